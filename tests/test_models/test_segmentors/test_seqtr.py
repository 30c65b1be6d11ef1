"""SeqTRSegmentor: loss / predict / tensor modes and output frames."""
from __future__ import annotations

import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.registry import MODELS
from risseg.testing.seqtr import seqtr_samples, tiny_seqtr


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope("risseg")


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(language_token=True, task_prompt=True, cctf=True, point_bias=True),
        dict(task="box"),
    ],
)
def test_modes(kw):
    model = MODELS.build(tiny_seqtr(**kw))
    inputs, samples = seqtr_samples(2)
    losses = model(inputs, samples, mode="loss")
    assert all(k.startswith("loss_") for k in losses)
    sum(losses.values()).backward()
    model.eval()
    tokens = model(inputs, samples, mode="tensor")
    assert tokens.shape[0] == 2
    out = model(inputs, samples, mode="predict")
    for sample in out:
        assert sample.pred_mask.data.dtype == torch.bool
        assert tuple(sample.pred_mask.data.shape) == (1, 128, 112)  # ori_shape
        assert sample.pred_bbox.shape == (4,)
        assert sample.pred_points.ndim == 2 and sample.pred_points.shape[1] == 2


def test_no_rescale_uses_input_frame():
    cfg = tiny_seqtr()
    cfg["test_cfg"] = dict(rescale=False)
    model = MODELS.build(cfg).eval()
    inputs, samples = seqtr_samples(1)
    out = model(inputs, samples, mode="predict")
    assert tuple(out[0].pred_mask.data.shape) == (1, 64, 56)  # img_shape


def test_postprocess_maps_polygon_to_original():
    model = MODELS.build(tiny_seqtr(num_points=4)).eval()
    _, samples = seqtr_samples(1, size=(64, 64))
    sample = samples[0]
    # a square (10, 10)-(30, 30) in the 64 x 64 padded input, scale 0.5 -> (20..60) original
    pts = torch.tensor([[10, 10], [30, 10], [30, 30], [10, 30]], dtype=torch.float32)
    tokens = torch.cat([torch.floor(pts / 64 * 1000).long().flatten(), torch.tensor([1000])])
    model._postprocess(tokens, sample)
    ys, xs = torch.nonzero(sample.pred_mask.data[0], as_tuple=True)
    assert 19 <= xs.min() <= 22 and 58 <= xs.max() <= 62
    assert torch.allclose(sample.pred_bbox, torch.tensor([20.0, 20, 60, 60]), atol=1.5)
