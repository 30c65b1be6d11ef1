"""The mask-generator role: class-agnostic masks for an image, automatic or prompted.

The contract every generator follows (:class:`MaskGenerator`)::

    generate(image) -> (masks, scores)
    predict(image, boxes=None, points=None, point_labels=None, multimask=True) -> (masks, scores)

* ``image``: ``(H, W, 3)`` uint8 array (or tensor) in **RGB** order, original size.
* ``generate``: automatic masks, ``masks`` bool ``(N, H, W)`` and ``scores`` float ``(N,)``
  (the model's predicted IoU), best first. ``N`` may be 0.
* ``predict``: one prompt per row. ``boxes`` ``(K, 4)`` float ``xyxy`` in image pixels and/or
  ``points`` ``(K, P, 2)`` float ``xy`` with ``point_labels`` ``(K, P)`` (1 foreground,
  0 background); boxes and points given together describe the same K objects. Returns
  ``masks`` bool ``(K, M, H, W)`` and ``scores`` float ``(K, M)`` (predicted IoU), with
  ``M = 3`` candidate masks per prompt when ``multimask`` else ``M = 1``. Prompts are
  independent: K prompts in one call give what K calls with one prompt give.

Implementations: :mod:`risseg.foundation.sam_segment_anything` (segment-anything SAM),
:mod:`risseg.foundation.sam_transformers` (transformers SAM and SAM 2) and
:mod:`risseg.foundation.colour_regions` (the SynthRef stand-in, automatic mode only).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
import torch
from torch import Tensor, nn

from risseg.foundation.grounded_detector import check_image

__all__ = ["MaskGenerator", "PromptBatch", "best_of_multimask", "check_image"]


class PromptBatch:
    """Validated prompts of :meth:`MaskGenerator.predict` as float / long CPU tensors.

    Attributes:
        boxes: ``(K, 4)`` xyxy or None.
        points: ``(K, P, 2)`` xy or None.
        point_labels: ``(K, P)`` long or None (all ones when points come without labels).
        num: K.
    """

    def __init__(self, boxes=None, points=None, point_labels=None) -> None:
        self.boxes = None if boxes is None else torch.as_tensor(boxes, dtype=torch.float32)
        self.points = None if points is None else torch.as_tensor(points, dtype=torch.float32)
        if self.boxes is None and self.points is None:
            raise ValueError("predict: give `boxes` (K, 4) and/or `points` (K, P, 2).")
        if self.boxes is not None and (self.boxes.ndim != 2 or self.boxes.shape[1] != 4):
            raise ValueError(f"predict: boxes must be (K, 4) xyxy, got {tuple(self.boxes.shape)}")
        self.point_labels = None
        if self.points is not None:
            if self.points.ndim != 3 or self.points.shape[2] != 2:
                raise ValueError(
                    f"predict: points must be (K, P, 2) xy, got {tuple(self.points.shape)}"
                )
            labels = torch.ones(self.points.shape[:2]) if point_labels is None else point_labels
            self.point_labels = torch.as_tensor(labels, dtype=torch.long)
            if self.point_labels.shape != self.points.shape[:2]:
                raise ValueError(
                    f"predict: point_labels {tuple(self.point_labels.shape)} != points "
                    f"{tuple(self.points.shape[:2])}"
                )
        sizes = {len(x) for x in (self.boxes, self.points) if x is not None}
        if len(sizes) != 1:
            raise ValueError(f"predict: boxes and points describe different K: {sorted(sizes)}")
        self.num = sizes.pop()


class MaskGenerator(nn.Module, metaclass=ABCMeta):
    """Role interface: automatic and prompted class-agnostic masks (see the module docstring).

    Class attribute ``promptable``: whether :meth:`predict` is supported.
    """

    promptable = True

    @abstractmethod
    def generate(self, image: np.ndarray | Tensor) -> tuple[Tensor, Tensor]:
        """Automatic masks of one image.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.

        Returns:
            ``masks`` bool ``(N, H, W)`` and ``scores`` float ``(N,)``, best first.
        """

    def predict(
        self,
        image: np.ndarray | Tensor,
        boxes: Tensor | np.ndarray | None = None,
        points: Tensor | np.ndarray | None = None,
        point_labels: Tensor | np.ndarray | None = None,
        multimask: bool = True,
    ) -> tuple[Tensor, Tensor]:
        """Masks for K box and/or point prompts of one image.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            boxes: ``(K, 4)`` xyxy pixels.
            points: ``(K, P, 2)`` xy pixels.
            point_labels: ``(K, P)``, 1 foreground / 0 background (default all 1).
            multimask: 3 candidates per prompt if True, else 1.

        Returns:
            ``masks`` bool ``(K, M, H, W)`` and ``scores`` float ``(K, M)``.
        """
        raise NotImplementedError(f"{type(self).__name__} has no prompted mode.")

    def forward(self, image: np.ndarray | Tensor) -> tuple[Tensor, Tensor]:
        """Same as :meth:`generate`."""
        return self.generate(image)

    @staticmethod
    def empty_prediction(k: int, m: int, hw: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """The (K, M, H, W) / (K, M) result of zero prompts (K = 0)."""
        return torch.zeros(k, m, *hw, dtype=torch.bool), torch.zeros(k, m)


def best_of_multimask(masks: Tensor, scores: Tensor) -> tuple[Tensor, Tensor]:
    """The highest-scoring candidate of every prompt (S+S+C's choice among SAM's 3 masks).

    Args:
        masks: bool ``(K, M, H, W)``.
        scores: ``(K, M)``.

    Returns:
        bool ``(K, H, W)`` and ``(K,)``.
    """
    best = scores.argmax(dim=1)
    index = torch.arange(len(best))
    return masks[index, best], scores[index, best]
