"""Grounded (open-vocabulary) detection: an image and a list of phrases in, boxes out.

The contract every detector follows (:class:`GroundedDetector`)::

    detect(image, phrases, box_threshold, text_threshold) -> Detections

* ``image``: ``(H, W, 3)`` uint8 array (or tensor) in **RGB** order, original size.
* ``phrases``: the class names / noun phrases to look for (at least one).
* ``box_threshold``: minimum box score to keep a detection.
* ``text_threshold``: minimum score of the phrase a box is assigned to (GroundingDINO's
  per-token score; detectors without a separate text score apply it to the box score too).
* returns :class:`Detections` with ``boxes`` ``(K, 4)`` float ``xyxy`` in pixels of the input
  image, ``scores`` ``(K,)`` float and ``phrase_index`` ``(K,)`` long, an index into
  ``phrases`` (``-1`` when the detector could not assign a box to any phrase).

Implementations live in :mod:`risseg.foundation.hf_detectors` (transformers GroundingDINO,
MM-GroundingDINO and OWLv2). S+S+C's release thresholds are box 0.35 / text 0.25.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

# S+S+C (segment-select-correct) release values for GroundingDINO.
SSC_BOX_THRESHOLD = 0.35
SSC_TEXT_THRESHOLD = 0.25


@dataclass
class Detections:
    """Boxes found for a list of phrases in one image.

    Attributes:
        boxes: ``(K, 4)`` float32 ``x1, y1, x2, y2`` in input-image pixels.
        scores: ``(K,)`` float32 box confidences.
        phrase_index: ``(K,)`` int64 index into the queried phrases (``-1``: unassigned).
    """

    boxes: torch.Tensor
    scores: torch.Tensor
    phrase_index: torch.Tensor

    def __post_init__(self) -> None:
        k = self.boxes.shape[0]
        if (
            self.boxes.shape != (k, 4)
            or self.scores.shape != (k,)
            or self.phrase_index.shape != (k,)
        ):
            raise ValueError(
                f"Detections: inconsistent shapes boxes {tuple(self.boxes.shape)}, scores "
                f"{tuple(self.scores.shape)}, phrase_index {tuple(self.phrase_index.shape)}"
            )

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    @classmethod
    def empty(cls) -> Detections:
        """No detection."""
        return cls(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long))


def check_image(image: np.ndarray | torch.Tensor, what: str = "image") -> np.ndarray:
    """``image`` as an ``(H, W, 3)`` uint8 RGB numpy array, else a ValueError naming it."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(
            f"{what}: expected an (H, W, 3) uint8 RGB array, got shape {image.shape} "
            f"dtype {image.dtype}"
        )
    return image


def check_phrases(phrases: Sequence[str]) -> list[str]:
    """Non-empty list of non-empty phrases, else a ValueError."""
    phrases = list(phrases)
    if not phrases or any(not isinstance(p, str) or not p.strip() for p in phrases):
        raise ValueError(f"phrases: expected a non-empty list of non-empty strings: {phrases!r}")
    return phrases


class GroundedDetector(nn.Module):
    """Role interface: phrase-grounded box detection on one image (see the module docstring)."""

    def detect(
        self,
        image: np.ndarray | torch.Tensor,
        phrases: Sequence[str],
        box_threshold: float = SSC_BOX_THRESHOLD,
        text_threshold: float = SSC_TEXT_THRESHOLD,
    ) -> Detections:
        """Detect every phrase in the image.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            phrases: the phrases to ground.
            box_threshold: minimum box score.
            text_threshold: minimum phrase score of the box's assigned phrase.

        Returns:
            Detections in input-image pixels.
        """
        raise NotImplementedError

    def forward(
        self, image, phrases, box_threshold=SSC_BOX_THRESHOLD, text_threshold=SSC_TEXT_THRESHOLD
    ) -> Detections:
        """Same as :meth:`detect`."""
        return self.detect(image, phrases, box_threshold, text_threshold)
