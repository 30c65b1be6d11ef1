"""Exact conversions between masks, contour points, polygons and tokens (SeqTR)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from risseg.utils.contour import (
    box_to_tokens,
    largest_external_contour,
    mask_to_contour_points,
    points_to_mask,
    points_to_tokens,
    tokens_to_box,
    tokens_to_points,
)
from risseg.utils.masks import mask_to_rle, rle_to_mask


def _rect_mask(h=40, w=50, box=(5, 8, 30, 25)) -> np.ndarray:
    x1, y1, x2, y2 = box
    m = np.zeros((h, w), dtype=bool)
    m[y1:y2, x1:x2] = True
    return m


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return np.logical_and(a, b).sum() / np.logical_or(a, b).sum()


def test_largest_contour_picks_bigger_blob():
    m = _rect_mask()
    m[30:33, 40:43] = True  # a small second blob
    contour = largest_external_contour(m)
    assert contour[:, 0].min() == 5 and contour[:, 0].max() == 29
    assert largest_external_contour(np.zeros((5, 5), bool)).shape == (0, 2)


def test_stride_sampling_at_most_n_from_index_zero():
    m = _rect_mask()
    contour = largest_external_contour(m)
    pts = mask_to_contour_points(m, 18)
    step = math.ceil(len(contour) / 18)
    expected = contour[::step]
    assert pts.shape == (18, 2) and pts.dtype == np.float32
    np.testing.assert_array_equal(pts[: len(expected)], expected)
    assert (pts[len(expected) :] == -1).all()
    assert len(expected) <= 18


def test_few_contour_points_are_all_used_and_padded():
    m = np.zeros((10, 10), bool)
    m[2:4, 2:4] = True  # a 2x2 square: 4 contour points
    pts = mask_to_contour_points(m, 12)
    assert ((pts >= 0).all(1)).sum() == 4
    assert (pts[4:] == -1).all()


def test_empty_mask_gives_all_padding():
    pts = mask_to_contour_points(np.zeros((8, 8), bool), 5)
    assert (pts == -1).all()


def test_center_sampling_points_lie_on_contour():
    m = np.zeros((64, 64), np.uint8)
    import cv2

    cv2.circle(m, (32, 30), 15, 1, -1)
    pts = mask_to_contour_points(m.astype(bool), 12, center_sampling=True)
    contour = {tuple(p) for p in largest_external_contour(m.astype(bool)).tolist()}
    valid = pts[(pts >= 0).all(1)]
    assert len(valid) >= 10
    assert all(tuple(map(int, p)) in contour for p in valid)
    angles = np.degrees(np.arctan2(valid[:, 1] - 30, valid[:, 0] - 32)) % 360
    assert np.all(np.diff(angles[1:]) > 0)  # increasing angle order (after the 0-degree point)


def test_points_to_mask_round_trip_high_iou():
    m = _rect_mask()
    pts = mask_to_contour_points(m, 18)
    back = points_to_mask(pts, *m.shape)
    assert _iou(back, m) > 0.85


def test_points_to_mask_rules():
    assert not points_to_mask(np.array([[3.0, 3.0]]), 10, 10).any()  # < 2 points: empty
    box = points_to_mask(np.array([[2.0, 2.0], [6.0, 5.0], [-1, -1]]), 10, 10)  # 2 points: box
    ys, xs = np.nonzero(box)
    assert xs.min() == 2 and ys.min() == 2 and xs.max() <= 6 and ys.max() <= 5


def test_points_tokens_round_trip_and_end():
    pad = (64, 128)  # (H, W)
    pts = torch.tensor([[0.0, 0.0], [127.9, 63.9], [64.0, 32.0], [-1, -1]])
    tokens = points_to_tokens(pts, pad, 1000)
    assert tokens.tolist() == [0, 0, 999, 998, 500, 500, 1000, 1000]
    back = tokens_to_points(tokens, pad, 1000)
    assert back.shape == (3, 2)
    assert torch.allclose(back[2], torch.tensor([64.0, 32.0]))
    assert (back - pts[:3]).abs().max() <= 128 / 1000 + 1e-4


def test_tokens_clamped_and_batched_pad_shapes():
    pts = torch.tensor([[[200.0, 10.0]], [[10.0, 10.0]]])  # (B=2, N=1, 2)
    pads = torch.tensor([[100, 100], [20, 40]])
    tokens = points_to_tokens(pts, pads, 1000)
    assert tokens.tolist() == [[999, 100], [250, 500]]


def test_tokens_to_points_cuts_at_end_and_drops_odd():
    tokens = torch.tensor([100, 200, 300, 1000, 400, 500])
    assert tokens_to_points(tokens, (1000, 1000)).tolist() == [[100.0, 200.0]]
    assert tokens_to_points(torch.tensor([1, 2, 3]), (1000, 1000)).shape == (1, 2)
    assert tokens_to_points(torch.tensor([1000, 5, 5]), (10, 10)).shape == (0, 2)


def test_box_tokens_round_trip():
    box = torch.tensor([10.0, 20.0, 60.0, 40.0])
    tokens = box_to_tokens(box, (64, 64))
    assert tokens.shape == (4,) and (tokens < 1000).all()
    assert torch.allclose(tokens_to_box(tokens, (64, 64)), box, atol=64 / 1000)


def test_rle_round_trip():
    m = _rect_mask()
    rle = mask_to_rle(m)
    assert isinstance(rle["counts"], str)
    np.testing.assert_array_equal(rle_to_mask(rle), m)


@pytest.mark.parametrize("n", [12, 18, 30])
def test_round_trip_through_tokens(n):
    m = _rect_mask(64, 64, (10, 12, 50, 44))
    pts = torch.from_numpy(mask_to_contour_points(m, n))
    decoded = tokens_to_points(points_to_tokens(pts, (64, 64)), (64, 64))
    assert _iou(points_to_mask(decoded, 64, 64), m) > 0.85


def test_zero_area_contour_gives_empty_target_only_when_asked():
    line = np.zeros((20, 30), dtype=bool)
    line[5, 3:20] = True  # one pixel high: its contour encloses no area
    assert (mask_to_contour_points(line, 6) >= 0).all(axis=1).any()
    dropped = mask_to_contour_points(line, 6, drop_zero_area=True)
    assert (dropped == -1).all() and dropped.shape == (6, 2)
    # a mask with area keeps its points
    kept = mask_to_contour_points(_rect_mask(), 6, drop_zero_area=True)
    assert (kept >= 0).all()


def test_two_points_xywh_is_the_release_box():
    import pycocotools.mask as mask_utils

    pts = np.array([[10.0, 20.0], [30.0, 25.0]])
    release = mask_utils.decode(mask_utils.frPyObjects(pts.reshape(1, 4), 64, 64)[0]).astype(bool)
    out = points_to_mask(pts, 64, 64, two_points="xywh")
    assert np.array_equal(out, release) and out.sum() == release.sum() > 0
    # the default reads the two points as corners: a different, smaller box
    corners = points_to_mask(pts, 64, 64)
    assert corners.sum() < out.sum()
    with pytest.raises(ValueError, match="two_points"):
        points_to_mask(pts, 64, 64, two_points="xyxy")


def test_box_tokens_never_equal_end():
    # a box touching the right / bottom edge of the padded frame (x2 == W) stays a coordinate
    tokens = box_to_tokens(torch.tensor([0.0, 0.0, 64.0, 32.0]), (32, 64), 1000)
    assert tokens.tolist() == [0, 0, 999, 999]
