"""Photometric augmentation of SemiRES's strong view: colour jitter and Gaussian blur.

Both work on the RGB uint8 image before normalisation (SemiRES's release jitters an already
normalised tensor and re-normalises it; risseg normalises once, in the data preprocessor).
"""

from __future__ import annotations

import cv2
import numpy as np
import torchvision.transforms.v2.functional as TF
from mmcv.transforms import BaseTransform
from PIL import Image

from risseg.registry import TRANSFORMS


def _shift_hue(img: Image.Image, shift: float) -> Image.Image:
    """Rotate the hue of an RGB image by ``shift`` turns (in [-0.5, 0.5]); OpenCV's 8-bit HSV
    (hue over 0-255) is ~10x faster than PIL's or torchvision's conversion."""
    hsv = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2HSV_FULL)
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + round(shift * 256)) % 256
    return Image.fromarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL))


@TRANSFORMS.register_module()
class PhotometricJitter(BaseTransform):
    """With probability ``prob``, jitter brightness, contrast, saturation and hue (random order).

    Args:
        prob: probability of applying the jitter at all.
        brightness, contrast, saturation: (low, high) multiplicative factor ranges.
        hue: (low, high) hue shift range, within [-0.5, 0.5].
    """

    def __init__(
        self,
        prob: float = 0.5,
        brightness: tuple[float, float] = (0.75, 1.25),
        contrast: tuple[float, float] = (0.75, 1.25),
        saturation: tuple[float, float] = (0.75, 1.25),
        hue: tuple[float, float] = (-0.25, 0.25),
    ) -> None:
        self.prob = prob
        self.ranges = dict(brightness=brightness, contrast=contrast, saturation=saturation, hue=hue)

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']`` (H, W, 3) uint8 RGB."""
        if np.random.rand() >= self.prob:
            return results
        img = Image.fromarray(np.ascontiguousarray(results["img"]))
        ops = {
            "brightness": TF.adjust_brightness,
            "contrast": TF.adjust_contrast,
            "saturation": TF.adjust_saturation,
            "hue": _shift_hue,
        }
        for name in np.random.permutation(list(ops)):
            low, high = self.ranges[name]
            img = ops[name](img, float(np.random.uniform(low, high)))
        results["img"] = np.array(img, dtype=np.uint8)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prob={self.prob}, {self.ranges})"


@TRANSFORMS.register_module()
class GaussianBlur(BaseTransform):
    """With probability ``prob``, blur the image with a Gaussian filter (SemiRES weak view).

    OpenCV's filter, ~8x faster than PIL's ``GaussianBlur`` which SemiRES uses and within a few
    grey levels of it (PIL approximates the Gaussian by box blurs).

    Args:
        prob: probability of blurring.
        radius: standard deviation in pixels (PIL's ``radius``); SemiRES uses 1.
    """

    def __init__(self, prob: float = 0.5, radius: float = 1.0) -> None:
        self.prob = prob
        self.radius = radius

    def transform(self, results: dict) -> dict:
        """Blur ``results['img']`` (H, W, 3) uint8."""
        if np.random.rand() >= self.prob:
            return results
        results["img"] = cv2.GaussianBlur(results["img"], (0, 0), sigmaX=self.radius)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prob={self.prob}, radius={self.radius})"
