"""RISLocalVisualizer: colours kept, masks, outlines, caption, IoU, frames, registry."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from PIL import Image

from risseg.registry import VISUALIZERS
from risseg.structures import RISDataSample
from risseg.visualization import GT_COLOUR, PRED_COLOUR, RISLocalVisualizer, sample_image
from risseg.visualization.ris_visualizer import CAPTION_BG, PALETTE


def _scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 32 x 32 image in two colours, a prediction (left half) and a GT (top half)."""
    image = np.zeros((32, 32, 3), np.uint8)
    image[:, :16] = (200, 30, 30)
    image[:, 16:] = (30, 30, 200)
    pred = np.zeros((32, 32), bool)
    pred[4:28, 2:14] = True
    gt = np.zeros((32, 32), bool)
    gt[2:14, 4:28] = True
    return image, pred, gt


def test_side_by_side_keeps_the_image_and_fills_the_prediction():
    image, pred, gt = _scene()
    vis = RISLocalVisualizer(min_side=128, alpha=0.5)
    out = vis.draw_ris(image, text="the red half", pred_mask=pred, gt_mask=gt, iou=0.25)
    s, top, left = vis._scale, vis._top, vis._left
    assert s == 4 and top > 0 and out.shape == (top + 128, left + 128, 3)
    # the left panel is the image itself, in colour
    np.testing.assert_array_equal(out[top:, :128], np.repeat(np.repeat(image, 4, 0), 4, 1))
    assert (out[:top, -4:] == CAPTION_BG).all()  # caption band, text only at its left
    assert (out[:top] != CAPTION_BG).any(axis=-1).sum() > 50  # the sentence is drawn
    # inside the prediction: red blended with magenta; outside: the image's colour
    inner = out[top + 16 * s, left + 8 * s].astype(int)
    expect = 0.5 * np.array((200, 30, 30)) + 0.5 * np.array(PRED_COLOUR)
    assert np.abs(inner - expect).max() <= 3
    assert tuple(out[top + 30 * s, left + 30 * s]) == (30, 30, 200)
    # the GT outline passes through its top-left corner's boundary pixels, in green
    edge = out[top + 2 * s : top + 3 * s, left + 16 * s : left + 20 * s].reshape(-1, 3)
    assert any(np.abs(p.astype(int) - GT_COLOUR).max() < 40 for p in edge)


def test_caption_grows_with_the_iou_and_notes_and_wraps_long_sentences():
    image, pred, _ = _scene()
    vis = RISLocalVisualizer(min_side=128, side_by_side=False)
    vis.draw_ris(image, text="a")
    one = vis._top
    vis.draw_ris(image, text="a", iou=0.9, notes=["model x"])
    assert vis._top > 2 * one
    vis.draw_ris(image, text=" ".join(["word"] * 40))
    assert vis._top > 3 * one
    vis.draw_ris(image, pred_mask=pred)
    assert vis._top == 0 and vis._left == 0


def test_masks_of_another_shape_are_refused():
    image, pred, _ = _scene()
    with pytest.raises(ValueError, match="gt_mask has shape"):
        RISLocalVisualizer().draw_ris(image, pred_mask=pred, gt_mask=pred[:10])


def test_points_and_box_are_drawn_in_image_coordinates():
    image = np.full((16, 16, 3), 90, np.uint8)
    vis = RISLocalVisualizer(min_side=64, side_by_side=False, line_width=2)
    out = vis.draw_ris(
        image,
        points=np.array([[4.0, 4.0], [12.0, 12.0], [-1, -1]]),
        box=np.array([2.0, 2.0, 14.0, 14.0]),
    )
    assert tuple(out[4 * 4, 4 * 4]) == (255, 255, 255)  # the first point is white
    last = out[12 * 4, 12 * 4].astype(int)
    assert last[0] > 200 and last[1] > 200 and last[2] < 100  # the last one yellow
    assert tuple(out[8 * 4, 2 * 4]) != (90, 90, 90)  # the box's left edge
    assert tuple(out[1 * 4, 1 * 4]) == (90, 90, 90)  # outside the box


def test_proposals_get_distinct_colours():
    image = np.full((32, 32, 3), 128, np.uint8)
    masks = np.zeros((3, 32, 32), bool)
    masks[0, 2:10, 2:10] = masks[1, 20:30, 2:10] = masks[2, 20:30, 20:30] = True
    vis = RISLocalVisualizer(min_side=128, side_by_side=False)
    out = vis.draw_proposals(image, masks, [0.9, 0.5, 0.1], text="x")
    top = vis._top
    centres = [out[top + 25 * 4, 5 * 4], out[top + 25 * 4, 25 * 4]]
    for centre, colour in zip(centres, PALETTE[1:3], strict=True):
        expect = 0.65 * 128 + 0.35 * np.asarray(colour)
        assert np.abs(centre.astype(int) - expect).max() <= 3


def _sample(pred: np.ndarray, gt: np.ndarray, **meta) -> RISDataSample:
    sample = RISDataSample(metainfo=dict(text="the red half", **meta))
    sample.pred_mask = PixelData(data=torch.from_numpy(pred)[None])
    sample.gt_mask = PixelData(data=torch.from_numpy(gt)[None])
    return sample


def test_add_datasample_computes_the_iou_and_writes_the_file(tmp_path, monkeypatch):
    image, pred, gt = _scene()
    vis = RISLocalVisualizer(min_side=64)
    seen = {}
    draw = vis.draw_ris
    monkeypatch.setattr(vis, "draw_ris", lambda *a, **k: seen.update(k) or draw(*a, **k))
    out_file = tmp_path / "sub" / "x.png"
    drawn = vis.add_datasample("x", image, _sample(pred, gt), out_file=str(out_file))
    expect = (pred & gt).sum() / (pred | gt).sum()
    assert seen["iou"] == pytest.approx(expect) and seen["text"] == "the red half"
    np.testing.assert_array_equal(np.asarray(Image.open(out_file)), drawn)
    vis.add_datasample("y", image, _sample(pred, gt), draw_gt=False, out_file=str(out_file))
    assert seen["iou"] is None and seen["gt_mask"] is None


def test_sample_image_picks_the_frame_of_the_mask(tmp_path):
    image, pred, gt = _scene()
    path = tmp_path / "img.png"
    Image.fromarray(image).save(path)
    at_original = _sample(pred, gt, img_path=str(path), ori_shape=(32, 32))
    np.testing.assert_array_equal(sample_image(at_original), image)
    # predicted in a 16 x 16 input frame: the network input is drawn on
    small = _sample(
        pred[::2, ::2].copy(),
        gt[::2, ::2].copy(),
        img_path=str(path),
        ori_shape=(32, 32),
        img_shape=(16, 16),
    )
    inputs = torch.from_numpy(image[::2, ::2].transpose(2, 0, 1).copy())
    np.testing.assert_array_equal(sample_image(small, inputs), image[::2, ::2])
    with pytest.raises(ValueError, match="neither the original"):
        sample_image(small)


def test_registered_in_the_risseg_scope():
    init_default_scope("risseg")
    vis = VISUALIZERS.build(dict(type="RISLocalVisualizer", name="test_registry_vis"))
    assert isinstance(vis, RISLocalVisualizer)
