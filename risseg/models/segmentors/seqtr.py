"""SeqTR: referring segmentation (or grounding) as contour-point sequence prediction."""

from __future__ import annotations

import torch
from torch import Tensor

from risseg.models.heads.base import HeadInputs
from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.utils import stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class SeqTRSegmentor(RISSegmentor):
    """SeqTR (https://arxiv.org/abs/2203.16265) and Partial-RES on it.

    backbone (B, 3, H, W) -> 3 maps; text_encoder (ids, mask) -> sentence feature (B, C);
    neck -> multimodal map (B, C, h, w) [+ language token]; head (``SeqHead``) -> tokens.
    Only :meth:`extract_feat` differs from ``RISSegmentor``; the head decodes the polygon
    into ``pred_mask``, ``pred_points`` (M, 2) and ``pred_bbox`` (4,) (for a box head, the
    box and its filled mask). ``test_cfg`` (``frame``, ``rescale``, ``pixel_offset``,
    ``two_points``) is checked at build time and documented in
    :mod:`risseg.models.heads.seq_postprocess` and docs/metrics.md, "Protocols".

    Args:
        backbone, text_encoder, neck, head: configs or modules.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see :class:`BaseRISSegmentor`.
    """

    def encode_text(self, samples: SampleList) -> Tensor:
        """Sentence features (B, C) from the samples' ``text_ids`` / ``text_mask``.

        Accepts text encoders returning (words, mask, sentence), (words, mask) (max-pooled
        here over valid tokens) or a (B, C) tensor.
        """
        ids, mask = stack_text(samples)
        device = next(self.head.parameters()).device
        out = self.text_encoder(ids.to(device), mask.to(device))
        if isinstance(out, Tensor):
            return out
        if len(out) == 3:
            return out[2]
        words, mask = out
        pooled = words.masked_fill(~mask[..., None].bool(), float("-inf")).amax(1)  # (B, C)
        return torch.where(mask.any(1, keepdim=True), pooled, torch.zeros_like(pooled))

    def extract_feat(self, inputs: Tensor, samples: SampleList) -> HeadInputs:
        """(B, 3, H, W) -> ``HeadInputs``: ``visual`` the multimodal map (B, C, h, w),
        ``lang`` the neck's language token (B, C) or None."""
        fused = self.neck(self.backbone(inputs), self.encode_text(samples))
        if isinstance(fused, tuple):
            return HeadInputs(visual=fused[0], lang=fused[1])
        return HeadInputs(visual=fused)
