"""CRIS's decoder head: vision-language decoder, text-to-pixel projector and its loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import Tensor

from risseg.models.heads.base import BaseMaskHead, HeadInputs, input_shape_of
from risseg.models.layers.cris_decoder import TextToPixelProjector, VLTransformerDecoder
from risseg.models.utils import build, logits_to_original, stack_gt_masks
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class CRISHead(BaseMaskHead):
    """Decode the stride-16 fused map with the words, then score pixels against the sentence.

    Paper: https://arxiv.org/abs/2111.15174. Input ``feats``: ``visual`` (B, C, h, w) from
    :class:`~risseg.models.necks.CRISFPN`, ``words`` (B, L, text_dim), ``word_mask`` (B, L)
    and ``lang`` (B, sentence_dim). Output: (B, 1, 4h, 4w) logits (stride 4).

    Loss: ``loss`` (default :class:`~risseg.models.losses.TextPixelContrastiveLoss`) against
    ``gt_mask`` over the padded input, for samples whose ``supervision`` is ``'mask'``.

    Prediction (CRIS's inference): sigmoid, bicubic up-sampling to the network input
    (``align_corners=True``), the letterbox undone bicubically, probability > ``prob_thr``.
    ``pred_logits`` holds the logit of that probability (so ``test_cfg.mask_thr``, a logit,
    overrides ``prob_thr`` when given).

    Args:
        in_channels: width of the fused map (CRIS: 512).
        text_dim: word feature width (CLIP RN50: 512).
        sentence_dim: sentence feature width (CLIP RN50: 1024).
        num_layers, num_heads, ffn_channels, dropout: decoder (CRIS: 3, 8, 2048, 0.1).
        proj_channels: projector width (CRIS: in_channels // 2).
        kernel_size: the sentence filter's side (CRIS: 3).
        prob_thr: foreground threshold on the probability (CRIS: 0.35).
        loss: loss config.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        in_channels: int = 512,
        text_dim: int = 512,
        sentence_dim: int = 1024,
        num_layers: int = 3,
        num_heads: int = 8,
        ffn_channels: int = 2048,
        dropout: float = 0.1,
        proj_channels: int | None = None,
        kernel_size: int = 3,
        prob_thr: float = 0.35,
        loss: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.decoder = VLTransformerDecoder(
            in_channels, text_dim, num_layers, num_heads, ffn_channels, dropout
        )
        self.projector = TextToPixelProjector(in_channels, sentence_dim, proj_channels, kernel_size)
        self.loss_fn = build(loss or dict(type="TextPixelContrastiveLoss"))
        if not 0.0 < prob_thr < 1.0:
            raise ValueError(f"CRISHead: prob_thr must lie in (0, 1), got {prob_thr}")
        self.prob_thr = prob_thr

    def forward(self, feats: HeadInputs, samples: SampleList | None = None) -> Tensor:
        """(B, 1, 4h, 4w) foreground logits (see the class docstring)."""
        if feats.words is None or feats.lang is None or feats.word_mask is None:
            raise ValueError("CRISHead needs words, word_mask and lang in its HeadInputs")
        fq = self.decoder(feats.visual, feats.words, feats.word_mask)
        return self.projector(fq, feats.lang)

    def loss(self, feats: HeadInputs, samples: SampleList) -> dict[str, Tensor]:
        """``{'loss_contrast'}`` over the mask-supervised samples (zero, graph kept, if none)."""
        logits = self.forward(feats, samples)
        keep = [
            i
            for i, s in enumerate(samples)
            if "gt_mask" in s and s.metainfo.get("supervision", "mask") == "mask"
        ]
        if not keep:
            return dict(loss_contrast=logits.sum() * 0)
        gt = stack_gt_masks([samples[i] for i in keep], device=logits.device)
        pad_h, pad_w = input_shape_of(samples)
        gt = F.pad(gt, (0, pad_w - gt.shape[-1], 0, pad_h - gt.shape[-2]))
        return dict(loss_contrast=self.loss_fn(logits[keep].float(), gt))

    def predict(
        self, feats: HeadInputs, samples: SampleList, test_cfg: dict | None = None
    ) -> SampleList:
        """``pred_mask`` / ``pred_logits`` at the original size (CRIS's inference)."""
        test_cfg = test_cfg or {}
        thr = self.prob_thr
        if "mask_thr" in test_cfg:
            thr = float(torch.sigmoid(torch.tensor(float(test_cfg["mask_thr"]))))
        probs = self.forward(feats, samples).float().sigmoid()
        probs = F.interpolate(
            probs, size=input_shape_of(samples), mode="bicubic", align_corners=True
        )
        rescale = test_cfg.get("rescale", True)
        for prob, sample in zip(probs, samples, strict=True):
            meta = dict(sample.metainfo)
            if not rescale:
                meta["ori_shape"] = meta["img_shape"]
            prob = logits_to_original(prob, meta, mode="bicubic").clamp(0.0, 1.0)
            sample.pred_logits = PixelData(data=torch.logit(prob, eps=1e-6))
            sample.pred_mask = PixelData(data=prob > thr)
        return samples
