"""S+S+C's Select stage: one of a referent's candidate instance masks, chosen zero-shot."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BaseProposalLabeler, BasePseudoLabeler
from risseg.labelers.sam_proposals import build_part
from risseg.registry import LABELERS
from risseg.structures import RISDataSample, SampleList

CHOICES = ("reverse_blur", "random", "first", "best")


def reverse_blur(image: np.ndarray, mask: np.ndarray, sigma: float = 50.0) -> np.ndarray:
    """The reverse-blur visual prompt: the image, Gaussian-blurred outside ``mask``.

    The kernel size follows from ``sigma`` as OpenCV derives it for 8-bit images
    (``cv2.GaussianBlur(ksize=(0, 0))``: about 6 sigma + 1), the release's rule.

    Args:
        image: (H, W, 3) uint8.
        mask: (H, W) bool.
        sigma: standard deviation of the blur in pixels.

    Returns:
        (H, W, 3) uint8: original pixels inside the mask, blurred ones outside.
    """
    return np.where(mask[..., None].astype(bool), image, gaussian_blur(image, sigma))


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """(H, W, 3) uint8 blurred as :func:`reverse_blur` blurs the background."""
    return cv2.GaussianBlur(np.ascontiguousarray(image), (0, 0), sigmaX=sigma, sigmaY=sigma)


def mask_iou(masks: Tensor, target: Tensor) -> Tensor:
    """(K,) IoU of K bool masks (K, H, W) with one bool target (H, W)."""
    m, t = masks.flatten(1).float(), target.flatten().float()
    inter = m @ t
    return inter / (m.sum(1) + t.sum() - inter).clamp_min(1.0)


@LABELERS.register_module()
class ZeroShotSelectLabeler(BasePseudoLabeler):
    """Choose one of each referent's candidate instances (S+S+C "Select").

    Reads ``pseudo_instances`` (bool (K, H, W), e.g. ``LoadPseudoInstances`` of the Segment
    stage's instance file) and writes the chosen one as ``pseudo_mask`` (1, H, W):

    * ``reverse_blur`` (the method): every candidate of at least ``min_area`` pixels is shown
      to a CLIP scorer as the image blurred (sigma ``sigma``) outside it; its score is the
      mean over the ref's sentences (metainfo ``texts``, else ``text``) of 100 * cosine; the
      highest wins (ties: the later one). A single candidate is taken as it is; when every
      candidate is too small the mask is empty and ``pseudo_keep`` False.
    * ``random``: uniform; ``first``: the first (the Segment stage's best score);
    * ``best``: highest IoU with ``gt_mask`` (an oracle, for analysis only).

    ``pseudo_score`` is the winning CLIP score (reverse_blur), the IoU (best), else 1.0.

    Args:
        choice: one of ``reverse_blur``, ``random``, ``first``, ``best``.
        scorer: an image-text scorer (``OpenCLIPScorer``: S+S+C uses ViT-L/14@336px), config
            or built; needed by ``reverse_blur``.
        sigma: blur standard deviation (release: 50).
        min_area: smallest candidate scored, in pixels of the labeller's input (release: 500
            at COCO resolution).
        channel_order: ``RGB``; ``BGR`` reproduces the release, whose prompts reach CLIP with
            swapped channels.
    """

    def __init__(
        self,
        choice: str = "reverse_blur",
        scorer: dict | torch.nn.Module | None = None,
        *,
        sigma: float = 50.0,
        min_area: int = 500,
        channel_order: str = "RGB",
    ) -> None:
        super().__init__()
        if choice not in CHOICES:
            raise ValueError(f"choice must be one of {CHOICES}, got {choice!r}.")
        if channel_order not in ("RGB", "BGR"):
            raise ValueError(f"channel_order must be 'RGB' or 'BGR', got {channel_order!r}.")
        if choice == "reverse_blur" and scorer is None:
            raise ValueError("ZeroShotSelectLabeler: choice='reverse_blur' needs a scorer.")
        self.scorer = build_part(scorer, "scorer") if scorer is not None else None
        self.choice = choice
        self.sigma = sigma
        self.min_area = min_area
        self.channel_order = channel_order
        self._blur_cache: tuple | None = None  # (image digest, sigma), blurred image

    def _blurred(self, image: np.ndarray) -> np.ndarray:
        """The blurred image, kept for the image's next refs (a large blur is slow)."""
        key = (hashlib.sha1(np.ascontiguousarray(image).tobytes()).digest(), self.sigma)
        if self._blur_cache is None or self._blur_cache[0] != key:
            self._blur_cache = (key, gaussian_blur(image, self.sigma))
        return self._blur_cache[1]

    def clip_scores(self, image: np.ndarray, masks: Tensor, texts: list[str]) -> Tensor:
        """(K,) mean 100 * cosine of each blurred prompt with ``texts``; -inf when too small."""
        scores = torch.full((len(masks),), -float("inf"))
        big = [k for k in range(len(masks)) if int(masks[k].sum()) >= self.min_area]
        if not big:
            return scores
        blurred = self._blurred(image)
        prompts = [np.where(masks[k].numpy()[..., None], image, blurred) for k in big]
        if self.channel_order == "BGR":
            prompts = [np.ascontiguousarray(p[..., ::-1]) for p in prompts]
        sim = self.scorer.similarity(
            self.scorer.encode_images(prompts), self.scorer.encode_texts(texts), scale=False
        )
        scores[big] = (100.0 * sim).mean(dim=1).float().cpu()
        return scores

    def choose(
        self, image: np.ndarray, masks: Tensor, sample: RISDataSample
    ) -> tuple[int | None, float]:
        """The chosen candidate index (None: nothing usable) and its score."""
        if len(masks) == 0:
            return None, 0.0
        if self.choice == "first":
            return 0, 1.0
        if self.choice == "random":
            return int(torch.randint(len(masks), (1,))), 1.0
        if self.choice == "best":
            if "gt_mask" not in sample:
                raise KeyError(f"choice='best' needs gt_mask (ref {sample.metainfo.get('ref_id')})")
            iou = mask_iou(masks, sample.gt_mask.data.reshape(masks.shape[-2:]).bool())
            return int(iou.argmax()), float(iou.max())
        if len(masks) == 1:
            return 0, 1.0
        scores = self.clip_scores(image, masks, _texts_of(sample))
        if not torch.isfinite(scores).any():
            return None, 0.0
        k = len(scores) - 1 - int(scores.flip(0).argmax())  # ties: the later candidate
        return k, float(scores[k])

    @torch.no_grad()
    def forward(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Label a batch.

        Args:
            inputs: (B, 3, H, W) uint8 RGB images.
            data_samples: B samples with ``pseudo_instances`` (K, H, W) and ``texts`` /
                ``text`` (``gt_mask`` for ``best``).

        Returns:
            The samples with ``pseudo_mask`` (1, H, W), ``pseudo_score``, ``pseudo_keep``
            and ``pseudo_choice`` (the candidate index, -1 for none).
        """
        for i, sample in enumerate(data_samples):
            image = BaseProposalLabeler.image_of(inputs, i, sample).cpu().numpy()
            h, w = image.shape[:2]
            if "pseudo_instances" in sample:
                masks = sample.pseudo_instances.data[:, :h, :w].cpu().bool()
            else:
                masks = torch.zeros((0, h, w), dtype=torch.bool)
            k, score = self.choose(image, masks, sample)
            mask = masks[k] if k is not None else torch.zeros((h, w), dtype=torch.bool)
            sample.pseudo_mask = PixelData(data=mask[None].clone())
            sample.set_metainfo(
                dict(
                    pseudo_score=score,
                    pseudo_keep=k is not None,
                    pseudo_choice=-1 if k is None else k,
                )
            )
        return data_samples


def _texts_of(sample: RISDataSample) -> list[str]:
    """The sentences of a sample's referent (``texts``, else ``text``), else an error."""
    texts = sample.metainfo.get("texts") or [sample.metainfo.get("text")]
    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if not texts:
        raise ValueError(
            f"ZeroShotSelectLabeler: sample ref_id={sample.metainfo.get('ref_id')} has no text."
        )
    return texts
