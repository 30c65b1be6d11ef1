"""SemiRES's weak and strong views of unlabeled images, made on the batch."""

from __future__ import annotations

import torch
import torchvision.transforms.v2.functional as TF
from torch import Tensor, nn


class WeakStrongViews(nn.Module):
    """Weak view = Gaussian blur with probability ``blur_prob``; strong view = colour jitter
    (probability ``jitter_prob``) of the *weak* view. No geometric change, so masks and SAM
    proposals stay aligned with both views.

    Works on normalised batches: the images are un-normalised exactly, augmented in [0, 1]
    and normalised once. (The SemiRES release jitters an already normalised tensor and then
    normalises again; this fixes that.)

    Args:
        mean: per-channel mean in 0-255 units (as the data preprocessor).
        std: per-channel std in 0-255 units.
        blur_prob: probability of blurring a sample (SemiRES 0.5).
        blur_sigma: Gaussian sigma in pixels (PIL ``GaussianBlur(radius=1)`` ~ sigma 1).
        jitter_prob: probability of jittering a sample (SemiRES 0.5).
        brightness, contrast, saturation: factor ranges (SemiRES [0.75, 1.25]).
        hue: hue shift range (SemiRES [-0.25, 0.25]).
    """

    def __init__(
        self,
        mean: tuple[float, float, float] = (123.675, 116.28, 103.53),
        std: tuple[float, float, float] = (58.395, 57.12, 57.375),
        *,
        blur_prob: float = 0.5,
        blur_sigma: float = 1.0,
        jitter_prob: float = 0.5,
        brightness: tuple[float, float] = (0.75, 1.25),
        contrast: tuple[float, float] = (0.75, 1.25),
        saturation: tuple[float, float] = (0.75, 1.25),
        hue: tuple[float, float] = (-0.25, 0.25),
    ) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1) / 255.0, persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1) / 255.0, persistent=False)
        self.blur_prob, self.blur_sigma, self.jitter_prob = blur_prob, blur_sigma, jitter_prob
        self.ranges = dict(brightness=brightness, contrast=contrast, saturation=saturation, hue=hue)

    def _jitter(self, img: Tensor) -> Tensor:
        """Colour-jitter one (3, H, W) image in [0, 1], in a random order (as ColorJitter)."""
        ops = {
            "brightness": TF.adjust_brightness,
            "contrast": TF.adjust_contrast,
            "saturation": TF.adjust_saturation,
            "hue": TF.adjust_hue,
        }
        for i in torch.randperm(4).tolist():
            name = list(ops)[i]
            lo, hi = self.ranges[name]
            factor = float(torch.empty(1).uniform_(lo, hi))
            img = ops[name](img, factor)
        return img

    @torch.no_grad()
    def forward(self, inputs: Tensor) -> tuple[Tensor, Tensor]:
        """Make both views.

        Args:
            inputs: (B, 3, H, W) normalised images.

        Returns:
            weak (B, 3, H, W) and strong (B, 3, H, W), both normalised.
        """
        raw = (inputs * self.std + self.mean).clamp(0, 1)  # un-normalise to [0, 1]
        k = 2 * round(3 * self.blur_sigma) + 1
        weak = raw.clone()
        for b in range(len(raw)):
            if float(torch.rand(1)) < self.blur_prob:
                weak[b] = TF.gaussian_blur(raw[b], [k, k], [self.blur_sigma] * 2)
        strong = weak.clone()
        for b in range(len(raw)):
            if float(torch.rand(1)) < self.jitter_prob:
                strong[b] = self._jitter(weak[b]).clamp(0, 1)
        return (weak - self.mean) / self.std, (strong - self.mean) / self.std
