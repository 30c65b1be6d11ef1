"""LargeScaleJitter and SampleContourPoints."""

from __future__ import annotations

import numpy as np
import pytest

from risseg.datasets.transforms.seqtr import LargeScaleJitter, SampleContourPoints


def _results(h=100, w=200, box=(120, 30, 180, 80)):
    x1, y1, x2, y2 = box
    mask = np.zeros((h, w), bool)
    mask[y1:y2, x1:x2] = True
    return dict(
        img=np.random.randint(0, 255, (h, w, 3), dtype=np.uint8),
        gt_mask=mask,
        gt_bbox=np.array(box, np.float32),
        img_shape=(h, w),
        ori_shape=(h, w),
    )


@pytest.mark.parametrize("seed", range(5))
def test_lsj_shapes_and_consistency(seed):
    np.random.seed(seed)
    out = LargeScaleJitter(out_max_size=64)(_results())
    h, w = out["img"].shape[:2]
    assert out["gt_mask"].shape == (h, w) and out["img_shape"] == (h, w)
    assert max(h, w) <= 64 or "crop_bbox" not in out
    ys, xs = np.nonzero(out["gt_mask"])
    assert len(xs) > 0
    box = out["gt_bbox"]
    assert abs(xs.min() - box[0]) <= 2 and abs(xs.max() + 1 - box[2]) <= 2


def test_lsj_crop_keeps_most_of_target():
    np.random.seed(0)
    t = LargeScaleJitter(out_max_size=64, min_scale=1.4, max_scale=1.4)
    res = _results()
    area_before = res["gt_mask"].sum() * (1.4 * 64 / 200) ** 2
    out = t(res)
    assert max(out["img"].shape[:2]) == 64 and "crop_bbox" in out
    assert out["gt_mask"].sum() >= 0.85 * area_before


def test_lsj_without_mask_uses_box():
    np.random.seed(1)
    res = _results()
    res["gt_mask"] = None
    out = LargeScaleJitter(out_max_size=64, min_scale=1.4, max_scale=1.4)(res)
    assert out["gt_bbox"][2] > out["gt_bbox"][0]


def test_lsj_rejects_bad_range():
    with pytest.raises(ValueError):
        LargeScaleJitter(min_scale=1.5, max_scale=1.0)


def test_sample_contour_points():
    out = SampleContourPoints(12)(_results())
    pts = out["gt_points"]
    assert pts.shape == (12, 2) and pts.dtype == np.float32
    assert (pts[:, 0] >= 120).all() and (pts[:, 0] <= 179).all()


def test_sample_contour_points_box_only_is_padding():
    res = _results()
    res["supervision"] = "box"
    assert (SampleContourPoints(6)(res)["gt_points"] == -1).all()
    res = _results()
    res["gt_mask"] = None
    assert (SampleContourPoints(6)(res)["gt_points"] == -1).all()


def test_sample_contour_points_drop_zero_area():
    mask = np.zeros((16, 16), dtype=bool)
    mask[4, 2:12] = True  # a line: no enclosed area
    plain = SampleContourPoints(num_points=4)(dict(gt_mask=mask))["gt_points"]
    release = SampleContourPoints(num_points=4, drop_zero_area=True)(dict(gt_mask=mask))
    assert (plain[0] >= 0).all() and (release["gt_points"] == -1).all()
