"""TRISLocalizer on the tiny CLIP-RN: shapes, losses, gradients, prediction, release switches."""

from __future__ import annotations

import math

import pytest
import torch

from risseg.registry import MODELS
from risseg.testing.tris import tiny_localizer_cfg, tris_samples

TEXTS = ["the red circle", "blue square on the left", "green ring"]


def _build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(tiny_localizer_cfg(**kwargs))


def test_scores_shapes_for_own_and_all_pairings():
    model = _build().eval()
    x, samples = torch.randn(3, 3, 64, 64), tris_samples(TEXTS)
    with torch.no_grad():
        assert model.scores(x, samples, "all").shape == (3, 3, 2, 2)  # C4 of 64 px: 2 x 2
        assert model.scores(x, samples, "own").shape == (3, 1, 2, 2)
        assert model(x, samples, mode="tensor").shape == (3, 1, 2, 2)


def test_loss_trains_every_parameter_and_keeps_clip_out_of_the_state_dict():
    model = _build().train()
    x, samples = torch.randn(3, 3, 64, 64), tris_samples(TEXTS)
    losses = model(x, samples, mode="loss")
    assert set(losses) == {"loss_cls", "loss_fg", "loss_neg"}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing
    assert not any("scorer" in k for k in model.state_dict())
    assert all(p.grad is None for p in model.fg_loss.scorer.parameters())


def test_the_foreground_loss_reaches_the_localiser():
    model = _build(loss_weights=dict(cls=0.0, neg=0.0)).train()
    losses = model(torch.randn(2, 3, 64, 64), tris_samples(TEXTS[:2]), mode="loss")
    losses["loss_fg"].backward()
    assert model.vis_proj.weight.grad.abs().sum() > 0


def test_release_switches():
    released = _build(learn_temperature=False, fg_space="input")
    assert not released.logit_scale.requires_grad
    assert released.logit_scale.item() == pytest.approx(math.log(1 / 0.07))
    x, samples = torch.randn(2, 3, 64, 64), tris_samples(TEXTS[:2])
    assert torch.isfinite(sum(released.train()(x, samples, mode="loss").values()))
    assert _build(prompt_weight=0.0).prompt is None
    assert set(_build(fg_loss=False).train()(x, samples, mode="loss")) == {"loss_cls"}
    with pytest.raises(ValueError, match="fg_space"):
        _build(fg_space="imagenet")


def test_predict_gives_a_normalised_map_its_mask_and_peak():
    model = _build(test_cfg=dict(mask_thr=0.5)).eval()
    samples = tris_samples(TEXTS[:2])
    samples[1].set_metainfo(dict(ori_shape=(40, 50)))
    with torch.no_grad():
        out = model(torch.randn(2, 3, 64, 64), samples, mode="predict")
    for s in out:
        r = s.pred_logits.data
        assert r.min() >= 0 and r.max() <= 1
        assert torch.equal(s.pred_mask.data, r > 0.5)
        x, y = s.pred_peak
        assert r[0, y, x] == r.max()
    assert out[1].pred_mask.data.shape == (1, 40, 50)


def test_a_prediction_does_not_depend_on_the_rest_of_the_batch():
    model = _build().eval()
    x, samples = torch.randn(3, 3, 64, 64), tris_samples(TEXTS)
    with torch.no_grad():
        full = model(x, samples, mode="tensor")
        one = model(x[:1], samples[:1], mode="tensor")
    assert torch.allclose(full[:1], one, atol=1e-5)
