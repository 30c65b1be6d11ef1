"""Pseudo-RIS caption candidates: 44 per mask (4 views x (1 beam + 5 top-k + 5 top-p))."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from risseg.foundation.captioner import Captioner, beam_search
from risseg.pseudo_ris.decoding import CoCaDecoder, sample_rows, unique_step
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
        batched: decode every candidate of an image in two loops (beam search of all views,
            then all samples; :mod:`risseg.pseudo_ris.decoding`), with the crops encoded once;
            needs an open_clip CoCa captioner
            (:class:`~risseg.foundation.coca_captioner.OpenCoCaCaptioner`); others decode
            one ``caption`` call per setting and view (as ``batched=False``). The samples
            follow the same distributions either way, not the same random draws.
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
        batched: bool = True,
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
        self.eos_id = eos
        self.batched = (
            batched
            and all(hasattr(captioner, a) for a in ("encode_images", "decode_tokens"))
            and hasattr(getattr(captioner, "model", None), "text_decoder")
        )

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
        if self.batched:
            return self.batched_captions(self.views(image, masks), generator)
        out: list[list[str]] = [[] for _ in range(len(masks))]
        for crops in self.views(image, masks):
            for i, texts in enumerate(self.view_captions(crops, generator)):
                out[i] += texts
        return out

    @torch.inference_mode()
    def batched_captions(self, views: torch.Tensor, generator: torch.Generator) -> list[list[str]]:
        """Candidates of every mask from its crop views ``(V, M, 3, S, S)``, decoded together."""
        v, m = views.shape[:2]
        cap = self.captioner
        latent, embs = cap.encode_images(views.flatten(0, 1))
        decoder = CoCaDecoder(cap.model, embs)
        ids = self._token_ids()
        parts = []  # (V*M, L) token ids per setting, rows view-major
        if self.beam:
            parts.append(
                beam_search(
                    unique_step(decoder.logits),
                    latent,
                    num_beams=self.num_beams,
                    max_len=self.max_len,
                    min_len=self.min_len,
                    score=getattr(cap, "beam_score", "logits"),
                    **ids,
                )
            )
        settings = [(k, 1.0) for k in self.top_k] + [(0, p) for p in self.top_p]
        if settings:
            s = len(settings)
            # rows ordered (setting, view, mask): row r decodes crop r % (V*M)
            index = torch.arange(v * m, device=latent.device).repeat(s)
            top_k = torch.tensor([k for k, _ in settings], device=latent.device)
            top_p = torch.tensor([p for _, p in settings], device=latent.device)
            tokens = sample_rows(
                decoder,
                latent,
                index,
                m,
                top_k.repeat_interleave(v * m),
                top_p.repeat_interleave(v * m),
                max_len=self.max_len,
                min_len=self.min_len,
                distinctive=self.processor,
                generator=generator,
                **ids,
            )
            parts += list(tokens.view(s, v * m, -1))
        texts = [cap.decode_tokens(t) for t in parts]  # settings x (V*M)
        return [
            [texts[j][view * m + i] for view in range(v) for j in range(len(texts))]
            for i in range(m)
        ]

    def _token_ids(self) -> dict[str, int]:
        """Start, end and padding ids of the captioner (open_clip's by default)."""
        from risseg.foundation.coca_captioner import SOT_ID

        context = getattr(getattr(self.captioner, "model", None), "context_length", None)
        if context is not None and self.max_len > context:
            raise ValueError(f"max_len {self.max_len} exceeds the decoder context {context}")
        pad = getattr(getattr(self.captioner, "model", None), "pad_id", 0)
        sot = getattr(self.captioner, "sot_id", SOT_ID)
        return dict(sot_id=sot, eos_id=self.eos_id, pad_id=pad)
