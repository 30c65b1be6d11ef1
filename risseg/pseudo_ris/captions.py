"""Pseudo-RIS caption candidates: 44 per mask (4 views x (1 beam + 5 top-k + 5 top-p))."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from risseg.foundation.captioner import Captioner
from risseg.pseudo_ris.distinctive import DistinctiveSampling
from risseg.pseudo_ris.views import MARGINS, crop_views, input_spec

TOP_K = (5, 7, 9, 11, 13)
TOP_P = (0.4, 0.5, 0.6, 0.7, 0.8)


class CaptionCandidates:
    """Caption candidates of every mask of an image, batched over its masks.

    Candidates are ordered view-major; within a view: beam search, then one sample per
    ``top_k`` value, then one per ``top_p`` value.

    Args:
        captioner: a :class:`Captioner` with ``transform`` (its evaluation transform) and
            ``eos_id`` or the open_clip end token.
        distinctive: contrast each sample with the image's other masks
            (:class:`DistinctiveSampling`); False samples plainly.
        top_k, top_p: the sampling settings, one sample each.
        beam: add one beam-search caption per view.
        num_beams, max_len, min_len: decoding settings (paper: 6 beams, 30, 5).
        margins: crop view margins (first view masked).
        pad: crop padding (:func:`~risseg.pseudo_ris.views.crop_views`).
        max_masks: the largest mask count distinctive sampling applies to (30).
    """

    def __init__(
        self,
        captioner: Captioner,
        *,
        distinctive: bool = True,
        top_k: Sequence[int] = TOP_K,
        top_p: Sequence[float] = TOP_P,
        beam: bool = True,
        num_beams: int = 6,
        max_len: int = 30,
        min_len: int = 5,
        margins: Sequence[float] = MARGINS,
        pad: str = "mean_colour",
        max_masks: int = 30,
    ) -> None:
        self.captioner = captioner
        self.size, self.mean, self.std = input_spec(captioner.transform)
        eos = getattr(captioner, "eos_id", None)
        if eos is None:
            from risseg.foundation.coca_captioner import EOS_ID as eos
        self.processor = DistinctiveSampling(eos, max_masks=max_masks) if distinctive else None
        self.top_k, self.top_p, self.beam = list(top_k), list(top_p), beam
        self.num_beams, self.max_len, self.min_len = num_beams, max_len, min_len
        self.margins, self.pad = tuple(margins), pad

    @property
    def per_view(self) -> int:
        """Candidates per view."""
        return int(self.beam) + len(self.top_k) + len(self.top_p)

    def views(self, image: np.ndarray, masks: np.ndarray) -> torch.Tensor:
        """``(V, M, 3, S, S)`` normalised crop views at the captioner's input size."""
        return crop_views(
            image,
            masks,
            self.size,
            margins=self.margins,
            mean=self.mean,
            std=self.std,
            pad=self.pad,
        )

    def view_captions(self, crops: torch.Tensor, generator: torch.Generator) -> list[list[str]]:
        """``M`` lists of :attr:`per_view` captions for the crops ``(M, 3, S, S)`` of a view."""
        common = dict(max_len=self.max_len, min_len=self.min_len)
        runs = []
        if self.beam:
            runs.append(
                self.captioner.caption(
                    crops, strategy="beam_search", num_beams=self.num_beams, **common
                )
            )
        sampled = [dict(strategy="top_k", top_k=k) for k in self.top_k]
        sampled += [dict(strategy="top_p", top_p=p) for p in self.top_p]
        for kw in sampled:
            runs.append(
                self.captioner.caption(
                    crops,
                    temperature=1.0,
                    logits_processor=self.processor,
                    generator=generator,
                    **kw,
                    **common,
                )
            )
        return [list(texts) for texts in zip(*runs, strict=True)]

    def __call__(self, image: np.ndarray, masks: np.ndarray, seed: int = 0) -> list[list[str]]:
        """Candidates of every mask.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            masks: bool ``(M, H, W)``, none empty.
            seed: sampling seed (the same seed gives the same candidates).

        Returns:
            ``M`` lists of ``len(margins) * per_view`` captions.
        """
        if len(masks) == 0:
            return []
        generator = torch.Generator(device=getattr(self.captioner, "device", "cpu"))
        generator.manual_seed(seed)
        out: list[list[str]] = [[] for _ in range(len(masks))]
        for crops in self.views(image, masks):
            for i, texts in enumerate(self.view_captions(crops, generator)):
                out[i] += texts
        return out
