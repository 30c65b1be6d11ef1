"""SSCLAVTSegmentor: which candidate each item trains on, from one head pass."""

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from risseg.models.segmentors.lavt import LAVTSegmentor
from risseg.models.utils import build
from risseg.testing import demo_lavt_samples, tiny_lavt_cfg

SIZE = 64


@pytest.fixture(autouse=True)
def _risseg_scope():
    """Builds from dicts resolve in risseg's registries (the conftest resets the scope)."""
    init_default_scope("risseg")


def _model(loss_mode: str):
    cfg = tiny_lavt_cfg()
    cfg.update(type="SSCLAVTSegmentor", train_cfg=dict(loss_mode=loss_mode))
    torch.manual_seed(0)
    return build(cfg)


def _halves() -> tuple[torch.Tensor, torch.Tensor]:
    left = torch.zeros(SIZE, SIZE, dtype=torch.bool)
    left[:, : SIZE // 2] = True
    return left, ~left


def _two_refs_of_one_image():
    """Two refs of image 0, each with the candidates (left half, right half)."""
    inputs, samples = demo_lavt_samples(2, SIZE)
    left, right = _halves()
    for i, s in enumerate(samples):
        s.set_metainfo(dict(image_id=0, ref_id=10 + i))
        s.pseudo_instances = PixelData(data=torch.stack([left, right]))
    return inputs, samples


def test_greedy_ce_constrains_and_runs_the_head_once():
    """Both items prefer the right half; the more confident one gets it, the other the left
    half (unconstrained arg-max would give both the right half). The loss is the head's loss
    on those targets, taken on the logits of the single head pass."""
    model = _model("greedy_ce")
    inputs, samples = _two_refs_of_one_image()
    left, right = _halves()
    fixed = torch.zeros(2, 2, SIZE, SIZE)
    fixed[0, 1] = torch.where(right, 1.0, -1.0)  # prefers the right half, weakly
    fixed[1, 1] = torch.where(right, 4.0, -4.0)  # prefers it strongly: matched first
    calls = []

    def seg_logits(feats, data_samples):
        calls.append(len(data_samples))
        return fixed.clone().requires_grad_()

    model.head.seg_logits = seg_logits
    losses = model.loss(inputs, samples)
    assert calls == [2]
    assert losses["num_targets"].item() == 2
    expected = []
    for s, target in zip(samples, (left, right), strict=True):
        s = s.clone()
        s.gt_mask = PixelData(data=target[None])
        expected.append(s)
    want = model.head.loss_by_logits(fixed, expected)["loss_ce"]
    torch.testing.assert_close(losses["loss_ce"], want)
    swapped = model.head.loss_by_logits(fixed, expected[::-1])["loss_ce"]
    assert not torch.allclose(losses["loss_ce"], swapped)


def test_random_ce_on_single_masks_is_plain_lavt_loss():
    """With one candidate per ref (the Select masks) random_ce is LAVT's CE on that mask."""
    model = _model("random_ce")
    model.eval()  # batch-norm from running statistics: both passes see the same network
    inputs, samples = demo_lavt_samples(2, SIZE)
    for s in samples:
        s.pseudo_instances = PixelData(data=s.gt_mask.data.bool())
    with torch.no_grad():
        ssc = model.loss(inputs, samples)["loss_ce"]
        lavt = LAVTSegmentor.loss(model, inputs, samples)["loss_ce"]
    torch.testing.assert_close(ssc, lavt)


def test_items_without_candidates_add_no_loss():
    model = _model("greedy_ce")
    inputs, samples = demo_lavt_samples(2, SIZE)
    for s in samples:
        s.pseudo_instances = PixelData(data=torch.zeros(0, SIZE, SIZE, dtype=torch.bool))
    losses = model.loss(inputs, samples)
    assert losses["num_targets"].item() == 0 and losses["loss_ce"].item() == 0.0
    losses["loss_ce"].backward()  # still part of the graph: DDP sees every parameter's grad


def test_greedy_assignment_needs_probabilities():
    model = _model("greedy_ce")
    _, samples = _two_refs_of_one_image()
    with pytest.raises(ValueError, match="fg"):
        model.assign(samples)
