"""Photometric transforms: dtype/shape kept, probability respected, geometry untouched."""

from __future__ import annotations

import numpy as np

from risseg.datasets.transforms import GaussianBlur, PhotometricJitter


def _img() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (16, 12, 3), dtype=np.uint8)


def test_jitter_changes_colours_only():
    np.random.seed(0)
    img = _img()
    out = PhotometricJitter(prob=1.0)(dict(img=img.copy(), gt_mask=np.ones((16, 12), bool)))
    assert out["img"].dtype == np.uint8 and out["img"].shape == img.shape
    assert not np.array_equal(out["img"], img)
    assert out["gt_mask"].all()


def test_blur_smooths_and_prob_zero_is_identity():
    img = _img()
    out = GaussianBlur(prob=1.0, radius=1.0)(dict(img=img.copy()))
    assert out["img"].dtype == np.uint8 and out["img"].shape == img.shape
    assert out["img"].astype(float).std() < img.astype(float).std()
    assert np.array_equal(GaussianBlur(prob=0.0)(dict(img=img.copy()))["img"], img)
    assert np.array_equal(PhotometricJitter(prob=0.0)(dict(img=img.copy()))["img"], img)


def test_hue_shift_rotates_primaries():
    from PIL import Image

    from risseg.datasets.transforms.photometric import _shift_hue

    rgb = np.array([[[255, 0, 0], [0, 255, 0]]], np.uint8)
    out = np.asarray(_shift_hue(Image.fromarray(rgb), 1 / 3))
    assert out.tolist() == [[[0, 255, 0], [0, 0, 255]]]
