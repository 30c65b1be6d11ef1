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


def test_pad_frame_rasterises_in_the_whole_padded_frame():
    cfg = tiny_seqtr()
    cfg["test_cfg"] = dict(frame="pad", pixel_offset=0.0, two_points="xywh")
    model = MODELS.build(cfg).eval()
    inputs, samples = seqtr_samples(1)  # content 64 x 56, padded to 64 x 64
    out = model(inputs, samples, mode="predict")
    assert tuple(out[0].pred_mask.data.shape) == (1, 64, 64)
    assert out[0].metainfo["pred_frame"] == "pad"


@pytest.mark.parametrize(
    "test_cfg",
    [dict(frame="pad", rescale=True), dict(frame="padded"), dict(two_points="xyxy")],
)
def test_bad_test_cfg_fails_at_build(test_cfg):
    cfg = tiny_seqtr()
    cfg["test_cfg"] = test_cfg
    with pytest.raises(ValueError, match="test_cfg"):
        MODELS.build(cfg)


def _tokens(points: list[list[float]], side: int = 64) -> torch.Tensor:
    """END-terminated tokens of points that sit exactly on the 1000-bin grid of a 64 px side."""
    pts = torch.tensor(points, dtype=torch.float32)
    return torch.cat([(pts * 1000 / side).long().flatten(), torch.tensor([1000])])


@pytest.mark.parametrize(
    "two_points, rows, cols",
    [("xywh", (16, 24), (8, 32)), ("corners", (8, 16), (8, 24))],
)
def test_two_points_decode(two_points, rows, cols):
    """(8, 16), (24, 8): the release reads them as box x=8, y=16, w=24, h=8 (pycocotools
    bbox), risseg's default as the corners of the box they span."""
    cfg = tiny_seqtr()
    cfg["test_cfg"] = dict(frame="pad", pixel_offset=0.0, two_points=two_points)
    model = MODELS.build(cfg).eval()
    _, samples = seqtr_samples(1)
    model._postprocess(_tokens([[8, 16], [24, 8]]), samples[0])
    expected = torch.zeros(64, 64, dtype=torch.bool)
    expected[rows[0] : rows[1], cols[0] : cols[1]] = True
    assert torch.equal(samples[0].pred_mask.data[0], expected)
