"""SeqTRSegmentor: loss / predict / tensor modes and output frames."""

from __future__ import annotations

import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from risseg.evaluation.metrics.ref_seg_metric import mask_iou
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
    model.head.postprocess(tokens[None], [sample], model.test_cfg)
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
    model.head.postprocess(_tokens([[8, 16], [24, 8]])[None], [samples[0]], model.test_cfg)
    expected = torch.zeros(64, 64, dtype=torch.bool)
    expected[rows[0] : rows[1], cols[0] : cols[1]] = True
    assert torch.equal(samples[0].pred_mask.data[0], expected)


def test_release_protocol_differs_from_the_default_on_a_hand_made_case():
    """Tokens of two points (8, 16), (24, 8) in the 64 x 64 padded input (content 64 x 56,
    scale 0.5) against a crowd GT (two polygons) of rows 24..47, cols 16..47 at the original
    128 x 112, i.e. rows 12..23, cols 8..23 in the padded frame.

    Release (frame 'pad', offset 0, 'xywh', crowd IoU): prediction rows 16..23 x cols 8..31
    (192 px), I = 8 x 16 = 128, IoU = I / area(pred) = 128 / 192.
    Default (original frame, offset 0.5, 'corners', standard IoU): the box (8.5, 8.5)-(24.5,
    16.5) becomes (17, 17)-(49, 33), rows 17..32 x cols 17..48 (512 px), I = 9 x 31 = 279,
    U = 512 + 768 - 279 = 1001.
    """
    gt_original = torch.zeros(1, 128, 112, dtype=torch.bool)
    gt_original[0, 24:48, 16:48] = True
    gt_pad = torch.zeros(1, 64, 64, dtype=torch.bool)
    gt_pad[0, 12:24, 8:24] = True
    cases = [
        (dict(), dict(), gt_original, 279 / 1001),
        (
            dict(frame="pad", pixel_offset=0.0, two_points="xywh"),
            dict(iou_mode="coco_crowd"),
            gt_pad,
            128 / 192,
        ),
    ]
    for test_cfg, metric_cfg, gt, expected in cases:
        cfg = tiny_seqtr()
        cfg["test_cfg"] = test_cfg
        model = MODELS.build(cfg).eval()
        _, samples = seqtr_samples(1)
        sample = samples[0]
        sample.gt_mask = PixelData(data=gt)
        sample.set_metainfo(dict(gt_iscrowd=True))
        model.head.postprocess(_tokens([[8, 16], [24, 8]])[None], [sample], model.test_cfg)
        evaluator = Evaluator([dict(type="RefSegMetric", **metric_cfg)])
        evaluator.process(data_samples=[sample])
        assert evaluator.evaluate(1)["mIoU"] == pytest.approx(100 * expected)


def test_release_protocol_iou_equals_pycocotools():
    """The release scores maskUtils.iou(pred RLEs, GT RLEs, is_crowd) in the padded frame."""
    cfg = tiny_seqtr()
    cfg["test_cfg"] = dict(frame="pad", pixel_offset=0.0, two_points="xywh")
    model = MODELS.build(cfg).eval()
    _, samples = seqtr_samples(1)
    tokens = _tokens([[8, 16], [40, 8], [48, 40], [16, 56]])
    model.head.postprocess(tokens[None], [samples[0]], model.test_cfg)
    pred = samples[0].pred_mask.data[0]
    gt = samples[0].gt_mask.data[0]
    rles = [mask_utils.encode(np.asfortranarray(m.numpy().astype(np.uint8))) for m in (pred, gt)]
    for crowd in (False, True):
        expected = mask_utils.iou(rles[:1], rles[1:], [int(crowd)])[0, 0]
        iou = mask_iou(pred, gt, iscrowd=crowd, iou_mode="coco_crowd")[2]
        assert iou == pytest.approx(expected) and 0 < iou < 1


def test_compiled_loss_does_not_recompile_for_new_sample_geometry():
    """Targets are built from per-sample metadata outside the compiled graph, so a batch with
    other image sizes and boxes reuses the graph (traced, they made dynamo recompile)."""
    model = MODELS.build(tiny_seqtr(point_bias=True))
    compiled = torch.compile(model, backend="eager")
    compiled(*seqtr_samples(2), mode="loss")
    inputs, samples = seqtr_samples(2)  # a new batch: same tensor shapes, other geometry
    for i, s in enumerate(samples):
        s.set_metainfo(dict(img_shape=(60 - 4 * i, 50), img_offset=(0, 2 * i)))
        s.gt_bbox = s.gt_bbox + 3.0
    with torch._dynamo.config.patch(error_on_recompile=True):
        losses = compiled(inputs, samples, mode="loss")
    assert all(torch.isfinite(v) for v in losses.values())
