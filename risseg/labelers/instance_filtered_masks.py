"""Automatic masks filtered by a class-agnostic instance model (Pseudo-RIS stage A).

Pseudo-RIS keeps, for every instance of CutLER (a class-agnostic instance segmenter), the SAM
automatic mask with the largest pixel intersection: CutLER removes most of SAM's part and
background masks. The instance model is a swappable part: any automatic
:class:`~risseg.foundation.mask_generator.MaskGenerator` (a second generator standing in for
CutLER) or any :class:`~risseg.foundation.grounded_detector.GroundedDetector` queried with
generic phrases (its boxes are the instances).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.foundation.grounded_detector import GroundedDetector
from risseg.foundation.mask_generator import MaskGenerator
from risseg.labelers.base import BaseProposalLabeler
from risseg.labelers.sam_proposals import build_part
from risseg.registry import LABELERS
from risseg.structures import SampleList
from risseg.utils.masks import box_mask


def match_largest_intersection(
    masks: np.ndarray, instances: np.ndarray, min_intersection: int = 1, dedupe: bool = True
) -> list[int]:
    """For every instance, the index of the mask with the largest pixel intersection.

    Args:
        masks: bool ``(N, H, W)`` candidate masks (e.g. SAM's automatic masks).
        instances: bool ``(K, H, W)`` instance masks (CutLER's, or filled detector boxes).
        min_intersection: instances whose best intersection is below this many pixels select
            nothing (the release's ``0`` selects mask 0 even without overlap).
        dedupe: keep each selected mask once (the release keeps repeats).

    Returns:
        Selected mask indices, in instance order.
    """
    if len(masks) == 0 or len(instances) == 0:
        return []
    inter = (
        instances.reshape(len(instances), -1).astype(np.float32)
        @ masks.reshape(len(masks), -1).astype(np.float32).T
    )  # (K, N) raw overlap counts
    best = inter.argmax(axis=1)
    chosen = [int(b) for k, b in enumerate(best) if inter[k, b] >= min_intersection]
    return list(dict.fromkeys(chosen)) if dedupe else chosen


@LABELERS.register_module()
class InstanceFilteredMaskLabeler(BaseProposalLabeler):
    """Pseudo-RIS pseudo masks: a mask generator's automatic masks matched to instances.

    Args:
        mask_generator: FOUNDATION_MODELS config (or built) of an automatic mask generator
            (SAM ViT-H with ``pred_iou_thresh=0.5`` in the paper).
        instance_model: FOUNDATION_MODELS config (or built) of the class-agnostic instance
            model: a mask generator (its automatic masks are the instances) or a grounded
            detector (its boxes, filled, are the instances).
        phrases: the detector's generic phrases (e.g. ``['object']``); unused for generators.
        score_thr: instances scoring below this are dropped (CutLER's test threshold 0.5).
        min_intersection: see :func:`match_largest_intersection` (release: 0).
        dedupe: drop repeated selections (release: False).
        bgr: feed the mask generator the channels reversed, as the release does (it reads the
            image in BGR and hands it to SAM, which expects RGB); the instance model always
            gets RGB.
    """

    def __init__(
        self,
        mask_generator: dict | MaskGenerator,
        instance_model: dict | MaskGenerator | GroundedDetector,
        *,
        phrases: Sequence[str] = ("object",),
        score_thr: float = 0.5,
        min_intersection: int = 1,
        dedupe: bool = True,
        bgr: bool = False,
    ) -> None:
        super().__init__()
        self.mask_generator = build_part(mask_generator, "mask_generator")
        self.instance_model = build_part(instance_model, "instance_model")
        if not isinstance(self.instance_model, MaskGenerator | GroundedDetector):
            raise TypeError(
                "instance_model must be a MaskGenerator or a GroundedDetector, got "
                f"{type(self.instance_model).__name__}"
            )
        self.phrases = list(phrases)
        self.score_thr = score_thr
        self.min_intersection = min_intersection
        self.dedupe = dedupe
        self.bgr = bgr

    def instances(self, image: np.ndarray) -> np.ndarray:
        """Instance masks bool ``(K, H, W)`` of one ``(H, W, 3)`` uint8 RGB image."""
        h, w = image.shape[:2]
        if isinstance(self.instance_model, GroundedDetector):
            det = self.instance_model.detect(
                image, self.phrases, box_threshold=self.score_thr, text_threshold=self.score_thr
            )
            boxes = det.boxes[det.scores >= self.score_thr].cpu().numpy()
            return np.stack([box_mask(b, h, w) for b in boxes]) if len(boxes) else _none(h, w)
        masks, scores = self.instance_model.generate(image)
        keep = (scores >= self.score_thr).cpu().numpy()
        return masks.cpu().numpy().astype(bool)[keep]

    def propose(self, image: np.ndarray) -> tuple[np.ndarray, list[float]]:
        """Pseudo masks bool ``(N, H, W)`` and their generator scores for one RGB image."""
        h, w = image.shape[:2]
        instances = self.instances(image)
        if len(instances) == 0:  # the release skips images without instances
            return _none(h, w), []
        fed = np.ascontiguousarray(image[..., ::-1]) if self.bgr else image
        masks, scores = self.mask_generator.generate(fed)
        masks = masks.cpu().numpy().astype(bool)
        chosen = match_largest_intersection(masks, instances, self.min_intersection, self.dedupe)
        if not chosen:
            return _none(h, w), []
        return masks[chosen], [float(scores[i]) for i in chosen]

    def forward(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Pseudo masks of every sample's image as its ``proposals``.

        Args:
            inputs: (B, 3, H, W) uint8 RGB images (cropped to each ``img_shape``).
            data_samples: the B samples.

        Returns:
            The samples with ``proposals`` bool (N, H, W) and ``proposal_scores``.
        """
        for i, sample in enumerate(data_samples):
            masks, scores = self.propose(self.image_of(inputs, i, sample).cpu().numpy())
            sample.proposals = PixelData(data=torch.from_numpy(masks))
            sample.set_metainfo(dict(proposal_scores=scores))
        return data_samples


def _none(h: int, w: int) -> np.ndarray:
    return np.zeros((0, h, w), dtype=bool)
