"""Image-text scoring: embed images (or crops) and texts into one space and compare them.

The contract every scorer follows (:class:`ImageTextScorer`):

* ``encode_images(images) -> (N, D)`` L2-normalised float features. ``images`` is a list of
  ``(H, W, 3)`` uint8 RGB arrays / PIL images (preprocessed with the model's own transform)
  or an already preprocessed float tensor ``(N, 3, S, S)``.
* ``encode_texts(texts) -> (M, D)`` L2-normalised float features.
* ``similarity(image_features, text_features, scale=True) -> (N, M)``: cosine similarity,
  multiplied by the model's logit scale (``exp(logit_scale)``, 100 for OpenAI CLIP) when
  ``scale`` is true — the "CLIP logit" that Pseudo-RIS and S+S+C compare.

Implementations: :class:`~risseg.foundation.clip_scorers.OpenCLIPScorer` (open_clip) and
:class:`~risseg.foundation.clip_scorers.HFCLIPScorer` (transformers ``CLIPModel``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

ImageBatch = Sequence[np.ndarray | Image.Image] | torch.Tensor


def to_pil_images(images: Sequence[np.ndarray | Image.Image]) -> list[Image.Image]:
    """PIL RGB images from ``(H, W, 3)`` uint8 arrays / PIL images, else a ValueError naming
    the offending item."""
    out = []
    for i, image in enumerate(images):
        if isinstance(image, Image.Image):
            out.append(image.convert("RGB"))
            continue
        array = np.asarray(image)
        if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
            raise ValueError(
                f"images[{i}]: expected an (H, W, 3) uint8 RGB array or a PIL image, got shape "
                f"{array.shape} dtype {array.dtype}"
            )
        out.append(Image.fromarray(array))
    if not out:
        raise ValueError("images: expected at least one image, got an empty list")
    return out


def preprocess_batch(
    images: ImageBatch, transform: Callable[[Image.Image], torch.Tensor]
) -> torch.Tensor:
    """Stack the model's own preprocessing of ``images`` into ``(N, 3, S, S)``.

    A float tensor ``(N, 3, S, S)`` is taken as already preprocessed and returned unchanged.
    """
    if isinstance(images, torch.Tensor):
        if images.ndim != 4 or images.shape[1] != 3 or not images.is_floating_point():
            raise ValueError(
                "images: a tensor must be a preprocessed float batch (N, 3, S, S), got "
                f"shape {tuple(images.shape)} dtype {images.dtype}"
            )
        return images
    return torch.stack([transform(image) for image in to_pil_images(images)])


def check_texts(texts: Sequence[str]) -> list[str]:
    """A non-empty list of strings, else a ValueError."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts or any(not isinstance(t, str) for t in texts):
        raise ValueError(f"texts: expected a non-empty list of strings, got {texts!r:.200}")
    return texts


class ImageTextScorer(nn.Module):
    """Role interface: a dual image/text encoder with a shared embedding space."""

    @property
    def logit_scale(self) -> float:
        """The multiplier turning a cosine into the model's logit (``exp`` of its parameter)."""
        raise NotImplementedError

    def encode_images(self, images: ImageBatch) -> torch.Tensor:
        """``(N, D)`` L2-normalised image features (see the module docstring for inputs)."""
        raise NotImplementedError

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """``(M, D)`` L2-normalised text features."""
        raise NotImplementedError

    def similarity(
        self, image_features: torch.Tensor, text_features: torch.Tensor, scale: bool = True
    ) -> torch.Tensor:
        """Cosine similarities ``(N, M)``, times :attr:`logit_scale` if ``scale``.

        Args:
            image_features: ``(N, D)`` (normalised here again, so raw features work too).
            text_features: ``(M, D)``.
            scale: multiply by the model's logit scale.
        """
        cos = (
            F.normalize(image_features.float(), dim=-1)
            @ F.normalize(text_features.float(), dim=-1).T
        )
        return cos * self.logit_scale if scale else cos

    def forward(self, images: ImageBatch, texts: Sequence[str], scale: bool = True) -> torch.Tensor:
        """``similarity(encode_images(images), encode_texts(texts), scale)``: ``(N, M)``."""
        return self.similarity(self.encode_images(images), self.encode_texts(texts), scale)
