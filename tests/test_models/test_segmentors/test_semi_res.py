import copy

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from risseg.engine.hooks import ema_update
from risseg.labelers import BasePseudoLabeler
from risseg.models.heads.base import input_shape_of
from risseg.models.layers import WeakStrongViews
from risseg.models.segmentors.semi_res import pwa_weights
from risseg.models.utils import build
from risseg.testing import demo_lavt_samples, tiny_lavt_cfg


@pytest.fixture(autouse=True)
def _risseg_scope():
    """Builds from dicts resolve in risseg's registries (the conftest resets the scope)."""
    init_default_scope("risseg")


def _semi_cfg(strategy="iom", thr=None, **kw):
    return dict(
        type="SemiRESSegmentor",
        segmentor=tiny_lavt_cfg(with_preprocessor=False),
        pseudo_labeler=dict(type="SAMRefineLabeler", strategy=strategy, thr=thr),
        **kw,
    )


def _mixed_batch(size=64):
    inputs, samples = demo_lavt_samples(4, size)
    for s in samples[2:]:
        s.set_metainfo(dict(supervision="none"))
        del s.gt_mask
    full = torch.ones(1, size, size, dtype=torch.bool)
    samples[2].proposals = PixelData(data=torch.cat([full, ~full]))  # whole image + empty
    samples[3].proposals = PixelData(data=torch.zeros(0, size, size, dtype=torch.bool))
    return inputs, samples


def _foreground_everywhere(feats, samples):
    """Head scores with foreground logit 1 and background 0 at every pixel: (B, 2, H, W)."""
    logit = torch.ones(len(samples), *input_shape_of(samples))
    return torch.stack([torch.zeros_like(logit), logit], 1)


def test_views_keep_geometry_and_normalise_once():
    views = WeakStrongViews(blur_prob=0.0, jitter_prob=0.0)
    x = torch.randn(2, 3, 16, 16).clamp(-2, 2)
    weak, strong = views(x)
    raw = (x * views.std + views.mean).clamp(0, 1)
    assert torch.allclose(weak, (raw - views.mean) / views.std, atol=1e-5)
    assert torch.allclose(strong, weak)
    torch.manual_seed(0)
    weak, strong = WeakStrongViews(blur_prob=1.0, jitter_prob=1.0)(x)
    assert not torch.allclose(weak, x, atol=1e-3) and not torch.allclose(strong, weak, atol=1e-3)
    # strong stays a valid image of the same content range: un-normalised in [0, 1]
    back = strong * views.std + views.mean
    assert back.min() >= -1e-5 and back.max() <= 1 + 1e-5


def test_jitter_acts_on_unnormalised_pixels():
    """Brightness x2 of a mid-grey image must give (nearly) white, not a normalised mess."""
    views = WeakStrongViews(
        blur_prob=0.0,
        jitter_prob=1.0,
        brightness=(2.0, 2.0),
        contrast=(1.0, 1.0),
        saturation=(1.0, 1.0),
        hue=(0.0, 0.0),
    )
    grey = (torch.full((1, 3, 8, 8), 0.5) - views.mean) / views.std
    _, strong = views(grey)
    assert torch.allclose(strong * views.std + views.mean, torch.ones(1, 3, 8, 8), atol=1e-5)


def test_loss_on_mixed_batch_and_teacher_has_no_grad():
    torch.manual_seed(0)
    model = build(_semi_cfg(sup_weight=10.0))
    inputs, samples = _mixed_batch()
    losses = model(inputs, samples, mode="loss")
    assert {"loss_sup", "unsup_loss", "sam_matched"} <= set(losses)
    total = losses["loss_sup"] + losses["unsup_loss"]
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None for p in model.student.backbone.parameters())
    assert not model.teacher.training
    model.train()
    assert model.student.training and not model.teacher.training


def test_iom_match_and_pwa_fallback(monkeypatch):
    torch.manual_seed(0)
    model = build(_semi_cfg("iom"))
    inputs, samples = _mixed_batch()
    # A teacher that predicts foreground everywhere: sample 2's full-image proposal matches
    # (IoU 1), sample 3 has no proposal and falls back to PWA.
    monkeypatch.setattr(model.teacher.head, "seg_logits", _foreground_everywhere)
    losses = model(inputs, samples, mode="loss")
    assert losses["sam_matched"].item() == pytest.approx(0.5)
    pwa = build(_semi_cfg("pwa"))
    monkeypatch.setattr(pwa.teacher.head, "seg_logits", _foreground_everywhere)
    assert pwa(inputs, samples, mode="loss")["sam_matched"].item() == 0.0


def test_top_refinement_uses_the_teacher_probability(monkeypatch):
    torch.manual_seed(0)
    model = build(_semi_cfg("top"))
    inputs, samples = _mixed_batch()
    # foreground logit 1 everywhere: p_fg = 0.73 on the full-image proposal of sample 2 ->
    # matched; sample 3 has no proposal (PWA)
    monkeypatch.setattr(model.teacher.head, "seg_logits", _foreground_everywhere)
    assert model(inputs, samples, mode="loss")["sam_matched"].item() == pytest.approx(0.5)
    strict = build(_semi_cfg("top", thr=0.8))  # 0.73 is not above 0.8
    monkeypatch.setattr(strict.teacher.head, "seg_logits", _foreground_everywhere)
    assert strict(inputs, samples, mode="loss")["sam_matched"].item() == 0.0


def test_only_labeled_or_only_unlabeled():
    model = build(_semi_cfg())
    inputs, samples = _mixed_batch()
    lab = model(inputs[:2], samples[:2], mode="loss")
    assert lab["unsup_loss"].item() == 0.0 and lab["loss_sup"].item() > 0
    unl = model(inputs[2:], samples[2:], mode="loss")
    assert unl["loss_sup"].item() == 0.0 and unl["unsup_loss"].item() > 0


def test_predict_uses_teacher():
    torch.manual_seed(0)
    model = build(_semi_cfg()).eval()
    inputs, samples = demo_lavt_samples(2, 64)
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(torch.randn_like(p))
        out = model(inputs, samples, mode="tensor")
        assert torch.allclose(out, model.teacher(inputs, samples, mode="tensor"))
        model.test_cfg["eval_model"] = "student"
        assert torch.allclose(
            model(inputs, samples, mode="tensor"), model.student(inputs, samples, mode="tensor")
        )


def test_ema_update_params_and_buffers():
    student = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    teacher = copy.deepcopy(student)
    with torch.no_grad():
        for p in student.parameters():
            p.add_(1.0)
    student[1].running_mean.fill_(2.0)
    student[1].num_batches_tracked.fill_(5)
    old = teacher[0].weight.clone()
    ema_update(teacher, student, keep_rate=0.75)
    assert torch.allclose(teacher[0].weight, 0.75 * old + 0.25 * (old + 1.0))
    assert torch.allclose(teacher[1].running_mean, torch.full((2,), 0.5))
    assert teacher[1].num_batches_tracked.item() == 5
    with pytest.raises(KeyError):
        ema_update(torch.nn.Linear(2, 2), student, 0.5)


def test_few_iterations_of_semi_supervised_training():
    torch.manual_seed(0)
    model = build(_semi_cfg("cpi"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    inputs, samples = _mixed_batch()
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    for _ in range(3):
        losses = model(inputs, samples, mode="loss")
        loss = sum(v for k, v in losses.items() if "loss" in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema_update(model.teacher, model.student, 0.9)
    moved = [
        k
        for k, v in model.teacher.state_dict().items()
        if v.is_floating_point() and not torch.equal(v, teacher_before[k])
    ]
    assert moved and torch.isfinite(loss)
    model.eval()
    out = model(inputs, samples, mode="predict")
    assert out[0].pred_mask.data.shape == (1, 64, 64)


def test_optional_dice_terms():
    torch.manual_seed(0)
    model = build(_semi_cfg("iom", dice_loss=dict(type="DiceLoss")))
    inputs, samples = _mixed_batch()
    losses = model(inputs, samples, mode="loss")
    assert "loss_sup_dice" in losses and torch.isfinite(losses["loss_sup_dice"])


def test_burn_in_checkpoint_loads_into_student_and_teacher(tmp_path):
    torch.manual_seed(0)
    lavt = build(tiny_lavt_cfg())
    path = tmp_path / "burn_in.pth"
    torch.save(dict(state_dict=lavt.state_dict(), meta=dict(epoch=1)), path)
    torch.manual_seed(1)
    model = build(_semi_cfg(burn_in_checkpoint=str(path)))
    model.init_weights()
    for part in (model.student, model.teacher):
        assert torch.equal(part.head.cls.weight, lavt.head.cls.weight)
    with pytest.raises(FileNotFoundError):
        build(_semi_cfg(burn_in_checkpoint=str(tmp_path / "missing.pth"))).init_weights()


def test_confident_fraction_keeps_the_most_confident_teacher_masks():
    model = build(_semi_cfg(confident_fraction=0.5))
    hard = torch.zeros(4, 4, 4, dtype=torch.bool)
    hard[:3, :2] = True  # sample 3: empty mask -> confidence 0
    p_fg = torch.full((4, 4, 4), 0.4)
    p_fg[0], p_fg[1], p_fg[2] = 0.6, 0.9, 0.7
    assert model._confident(p_fg, hard).tolist() == [False, True, True, False]
    assert build(_semi_cfg())._confident(p_fg, hard).all()  # off by default
    with pytest.raises(ValueError, match="confident_fraction"):
        build(_semi_cfg(confident_fraction=0.0))
    # the kept samples alone carry the unsupervised loss
    torch.manual_seed(0)
    inputs, samples = _mixed_batch()
    losses = build(_semi_cfg(confident_fraction=0.5))(inputs, samples, mode="loss")
    assert torch.isfinite(losses["unsup_loss"]) and losses["unsup_loss"] > 0


def test_teacher_all_sentences_averages_over_the_refs_sentences():
    torch.manual_seed(0)
    model = build(_semi_cfg("cpi", teacher_all_sentences=True))
    inputs, samples = _mixed_batch()
    unl = samples[2:]
    # sample 2: its own sentence and another one; sample 3: one sentence (its own)
    other = demo_lavt_samples(1, 64)[1][0]
    unl[0].all_text_ids = torch.stack([unl[0].text_ids, other.text_ids])
    unl[0].all_text_mask = torch.stack([unl[0].text_mask, other.text_mask])
    unl[1].all_text_ids, unl[1].all_text_mask = unl[1].text_ids[None], unl[1].text_mask[None]
    weak = torch.randn(2, 3, 64, 64)
    prob = model.teacher_probs(weak, unl)
    assert prob.shape == (2, 2, 64, 64)
    single = build(_semi_cfg("cpi"))
    single.load_state_dict(model.state_dict())
    own = single.teacher_probs(weak, unl)  # one sentence each: the sample's own
    other.set_metainfo(unl[0].metainfo)
    second = single.teacher_probs(weak[:1], [other])
    torch.testing.assert_close(prob[0], (own[0] + second[0]) / 2)
    torch.testing.assert_close(prob[1], own[1])
    assert not torch.allclose(prob[0], own[0])  # the second sentence changed the average
    losses = model(inputs, samples, mode="loss")
    assert torch.isfinite(losses["unsup_loss"])
    del unl[1].all_text_ids
    with pytest.raises(KeyError, match="all_sentences=True"):
        model(inputs, samples, mode="loss")


def test_pwa_weights_values():
    w = pwa_weights(torch.tensor([0.0, 0.5, 1.0, 0.25]))
    assert w[1] == pytest.approx(0.0384, abs=1e-3)
    assert w[0] == pytest.approx(0.9386, abs=1e-3) and w[2] == pytest.approx(w[0].item())
    assert w[1] < w[3] < w[0]


class _KeepEmpty(BasePseudoLabeler):
    """Records what it is given; labels every sample empty and keeps it."""

    def forward(self, inputs, data_samples):
        self.seen = (
            inputs.shape,
            [
                (
                    s.pseudo_mask.data.dtype,
                    s.pseudo_mask.data.shape,
                    s.pseudo_prob.data.dtype,
                    "proposals" in s,
                    s.metainfo["supervision"],
                )
                for s in data_samples
            ],
        )
        for s in data_samples:
            s.pseudo_mask = PixelData(data=torch.zeros_like(s.pseudo_mask.data))
            s.set_metainfo(dict(pseudo_score=1.0, pseudo_keep=True))
        return data_samples


def test_injected_labeler_decides_the_pseudo_label(monkeypatch):
    torch.manual_seed(0)
    labeler = _KeepEmpty()
    model = build(dict(_semi_cfg(), pseudo_labeler=labeler))
    assert model.pseudo_labeler is labeler
    targets = []
    ce = model.unsup_loss.forward
    monkeypatch.setattr(
        model.unsup_loss,
        "forward",
        lambda logits, target, **kw: targets.append(target) or ce(logits, target),
    )
    inputs, samples = _mixed_batch()
    losses = model(inputs, samples, mode="loss")
    shape, seen = labeler.seen
    assert shape == (2, 3, 64, 64)
    assert seen == [(torch.bool, (1, 64, 64), torch.float32, True, "none")] * 2
    assert losses["sam_matched"].item() == 1.0  # every sample kept: no PWA
    # the labeler's (empty) masks are the unsupervised targets
    assert len(targets) == 1 and targets[0].shape == (2, 64, 64) and not targets[0].any()
    assert torch.isfinite(losses["unsup_loss"])


def test_a_proposal_labeler_is_refused():
    cfg = _semi_cfg()
    cfg["pseudo_labeler"] = dict(
        type="SynthProposalLabeler", mask_generator=dict(type="ColourRegionGenerator")
    )
    with pytest.raises(TypeError, match="mask labeler"):
        build(cfg)
