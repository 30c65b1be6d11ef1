"""Geometric transforms: shapes, metainfo, and exact mapping back to the original frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from risseg.datasets.transforms import Letterbox, Pad, RandomFlip, Resize
from risseg.models.utils import boxes_to_original, logits_to_original


def _sample(h: int = 30, w: int = 50, text: str = "the man on the left") -> dict:
    rng = np.random.default_rng(0)
    mask = np.zeros((h, w), bool)
    mask[5:20, 3:22] = True  # box xyxy (3, 5, 22, 20)
    return dict(
        img=rng.integers(0, 255, (h, w, 3), dtype=np.uint8),
        gt_mask=mask,
        gt_bbox=np.array([3, 5, 22, 20], np.float32),
        text=text,
        ori_shape=(h, w),
    )


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return (a & b).sum() / (a | b).sum()


def _box_iou(a, b) -> float:
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _to_original(res: dict) -> tuple[np.ndarray, np.ndarray]:
    meta = {
        k: res[k]
        for k in ("ori_shape", "img_shape", "pad_shape", "img_offset", "scale_factor", "flip")
    }
    logits = torch.from_numpy(res["gt_mask"]).float()[None] * 2 - 1  # (1, H, W) +-1 logits
    mask = logits_to_original(logits, meta)[0] > 0
    box = boxes_to_original(torch.from_numpy(res["gt_bbox"]), meta)
    return mask.numpy(), box.numpy()


def test_fixed_resize_shapes_and_scale():
    res = Resize(scale=(40, 60))(_sample())
    assert res["img"].shape == (60, 40, 3) and res["gt_mask"].shape == (60, 40)
    assert res["img_shape"] == res["pad_shape"] == (60, 40)
    assert res["scale_factor"] == pytest.approx((40 / 50, 60 / 30))
    np.testing.assert_allclose(res["gt_bbox"], [3 * 0.8, 10, 22 * 0.8, 40])
    assert res["gt_mask"].dtype == bool


def test_keep_ratio_resize_fits_inside():
    res = Resize(scale=(64, 64), keep_ratio=True)(_sample())  # 50x30 -> 64x38 (ratio 1.28)
    assert res["img_shape"] == (38, 64)
    res = Resize(scale=(640, 640), keep_ratio=True)(_sample(h=100, w=20))
    assert res["img_shape"] == (640, 128)


def test_scale_factor_is_cumulative():
    res = Resize(scale=(100, 60))(_sample())
    res = Resize(scale=(25, 15))(res)
    assert res["scale_factor"] == pytest.approx((0.5, 0.5))


def test_resize_after_pad_is_refused():
    res = Pad(size_divisor=32)(_sample())
    with pytest.raises(RuntimeError, match="before Letterbox/Pad"):
        Resize(scale=(10, 10))(res)


def test_letterbox_centres_content():
    res = Letterbox(size=64, pad_value=(7, 8, 9))(_sample())
    assert res["img"].shape == (64, 64, 3)
    assert res["img_shape"] == (38, 64) and res["pad_shape"] == (64, 64)
    assert res["img_offset"] == (0, 13)
    assert res["img"][0, 0].tolist() == [7, 8, 9] and res["img"][63, 63].tolist() == [7, 8, 9]
    assert not res["gt_mask"][:13].any()
    assert res["gt_bbox"][1] == pytest.approx(5 * 38 / 30 + 13)


def test_pad_bottom_right():
    res = Pad(size_divisor=32, pad_value=5)(_sample())
    assert res["img"].shape == (32, 64, 3) and res["pad_shape"] == (32, 64)
    assert res["img_shape"] == (30, 50) and res["img_offset"] == (0, 0)
    assert (res["img"][30:] == 5).all() and not res["gt_mask"][30:].any()
    res = Pad(size=(70, 40))(_sample())
    assert res["pad_shape"] == (40, 70)
    with pytest.raises(ValueError, match="smaller"):
        Pad(size=(10, 10))(_sample())


@pytest.mark.parametrize("flip", [False, True])
def test_letterbox_pad_flip_round_trip(flip):
    sample = _sample()
    res = Letterbox(size=96)(dict(sample))
    res = RandomFlip(prob=float(flip))(res)
    res = Pad(size_divisor=32)(res)
    assert res["flip"] is flip
    mask, box = _to_original(res)
    assert mask.shape == sample["gt_mask"].shape
    assert _iou(mask, sample["gt_mask"]) > 0.95
    assert _box_iou(box, sample["gt_bbox"]) > 0.99


def test_keep_ratio_resize_pad_round_trip():
    sample = _sample(h=37, w=23)
    sample["gt_mask"][:] = False
    sample["gt_mask"][4:30, 2:15] = True
    sample["gt_bbox"] = np.array([2, 4, 15, 30], np.float32)
    res = Pad(size_divisor=32)(Resize(scale=(64, 64), keep_ratio=True)(dict(sample)))
    mask, box = _to_original(res)
    assert _iou(mask, sample["gt_mask"]) > 0.95
    np.testing.assert_allclose(box, sample["gt_bbox"], atol=1e-3)


def test_flip_mirrors_content_and_swaps_words():
    sample = _sample(text="Left man, LEFT of the leftmost cup; not leftover right-hand")
    res = RandomFlip(prob=1.0)(dict(sample))
    assert res["text"] == "Right man, RIGHT of the rightmost cup; not leftover left-hand"
    np.testing.assert_array_equal(res["img"], sample["img"][:, ::-1])
    np.testing.assert_array_equal(res["gt_mask"], sample["gt_mask"][:, ::-1])
    np.testing.assert_allclose(res["gt_bbox"], [50 - 22, 5, 50 - 3, 20])
    twice = RandomFlip(prob=1.0)(res)
    assert twice["text"] == sample["text"] and twice["flip"] is False


def test_flip_swaps_words_in_every_sentence_of_the_ref():
    texts = ["left cup", "the cup on the right"]
    res = RandomFlip(prob=1.0)(dict(_sample(text="left cup"), texts=list(texts)))
    assert res["texts"] == ["right cup", "the cup on the left"]


def test_flip_inside_letterbox_keeps_border():
    res = Letterbox(size=64, pad_value=255)(_sample())
    before = res["img"].copy()
    res = RandomFlip(prob=1.0)(res)
    np.testing.assert_array_equal(res["img"][13:51], before[13:51, ::-1])
    assert (res["img"][:13] == 255).all()


def test_flip_after_tokenize_is_refused():
    with pytest.raises(RuntimeError, match="before TokenizeText"):
        RandomFlip(prob=1.0)(dict(_sample(), text_ids=np.zeros(3)))


def test_flip_probability_zero_is_identity():
    sample = _sample()
    res = RandomFlip(prob=0.0)(dict(sample))
    assert res["text"] == sample["text"] and res["flip"] is False


@pytest.mark.parametrize("size", [(30, 20), (80, 64)])  # (W, H): shrink and enlarge 53x37
def test_pillow_backend_equals_pil_resize(size):
    """The LAVT/SemiRES release pipeline: torchvision resize of a PIL image = PIL bilinear for
    the image, PIL NEAREST for the mask."""
    from PIL import Image

    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (37, 53, 3), dtype=np.uint8)
    mask = rng.random((37, 53)) > 0.5
    out = Resize(scale=size, backend="pillow").transform(
        dict(img=img.copy(), gt_mask=mask.copy(), ori_shape=(37, 53))
    )
    pil_img = np.asarray(Image.fromarray(img).resize(size, Image.BILINEAR))
    pil_mask = np.asarray(Image.fromarray(mask.astype(np.uint8)).resize(size, Image.NEAREST))
    assert np.array_equal(out["img"], pil_img)
    assert np.array_equal(out["gt_mask"], pil_mask > 0)
    cv2_img = Resize(scale=size).transform(dict(img=img.copy(), ori_shape=(37, 53)))["img"]
    assert not np.array_equal(cv2_img, pil_img)  # the default backend is a different resize


def test_unknown_resize_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        Resize(scale=(32, 32), backend="PIL")


def test_nearest_cv2_mask_resize_is_cv2_inter_nearest():
    """'nearest_cv2' is the SeqTR release's GT resize; 'nearest' samples pixel centres."""
    import cv2

    rng = np.random.default_rng(0)
    mask = rng.random((37, 53)) > 0.5
    img = np.zeros((37, 53, 3), np.uint8)
    out = Resize(scale=(64, 64), keep_ratio=True, mask_interpolation="nearest_cv2").transform(
        dict(img=img, gt_mask=mask)
    )
    h, w = out["img"].shape[:2]
    expected = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    np.testing.assert_array_equal(out["gt_mask"], expected)
    centre = Resize(scale=(64, 64), keep_ratio=True).transform(dict(img=img, gt_mask=mask))
    assert not np.array_equal(centre["gt_mask"], out["gt_mask"])  # the two rules differ here
