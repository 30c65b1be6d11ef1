"""A light FPN-style decoder from fused multi-scale features to one foreground logit."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.heads.base import BaseMaskHead, HeadInputs
from risseg.models.layers.conv_blocks import conv_bn_relu
from risseg.models.losses.dice_loss import DiceLoss
from risseg.models.utils import stack_gt_masks
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class SimpleMaskHead(BaseMaskHead):
    """Top-down decoder: upsample the coarsest level, add each finer one, refine with a 3x3 conv,
    and predict one foreground logit at the finest level's stride.

    Loss: ``bce_weight * BCE + dice_weight * Dice`` against ``gt_mask`` at the padded input
    resolution, over the samples whose ``supervision`` is ``'mask'`` (all, by default).

    Input: ``feats.visual``, a list of (B, C, H_i, W_i) fused maps, finest first.

    Args:
        in_channels: channels C of every fused level (equal, as the neck outputs them).
        num_levels: number of levels, finest first.
        channels: decoder width.
        bce_weight: weight of ``loss_bce``.
        dice_weight: weight of ``loss_dice``.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        in_channels: int,
        num_levels: int,
        channels: int = 64,
        *,
        bce_weight: float = 1.0,
        dice_weight: float = 1.0,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        levels = range(num_levels)
        self.lateral = nn.ModuleList(conv_bn_relu(in_channels, channels, 1) for _ in levels)
        self.refine = nn.ModuleList(conv_bn_relu(channels, channels, 3) for _ in levels)
        self.predictor = nn.Conv2d(channels, 1, 1)
        self.dice = DiceLoss()
        self.bce_weight = bce_weight
        self.dice_weight = dice_weight

    def forward(self, feats: HeadInputs, samples: SampleList | None = None) -> Tensor:
        """(B, 1, H_0, W_0) foreground logits at the finest level's stride."""
        maps = feats.visual
        x = self.refine[-1](self.lateral[-1](maps[-1]))
        for i in range(len(maps) - 2, -1, -1):
            lat = self.lateral[i](maps[i])
            x = F.interpolate(x, size=lat.shape[-2:], mode="bilinear", align_corners=False)
            x = self.refine[i](x + lat)
        return self.predictor(x)

    def loss(self, feats: HeadInputs, data_samples: SampleList) -> dict[str, Tensor]:
        """BCE and Dice losses; ``{'loss_bce', 'loss_dice'}``."""
        logits = self.forward(feats, data_samples)
        keep = [
            i
            for i, s in enumerate(data_samples)
            if "gt_mask" in s and s.metainfo.get("supervision", "mask") == "mask"
        ]
        if not keep:  # no mask-supervised sample: zero losses that keep the graph connected
            zero = logits.sum() * 0
            return dict(loss_bce=zero, loss_dice=zero)
        gt = stack_gt_masks([data_samples[i] for i in keep], device=logits.device)
        pad_h, pad_w = data_samples[keep[0]].metainfo.get("pad_shape", gt.shape[-2:])[:2]
        gt = F.pad(gt, (0, pad_w - gt.shape[-1], 0, pad_h - gt.shape[-2]))  # (B', 1, H, W)
        logits = F.interpolate(
            logits[keep], size=(pad_h, pad_w), mode="bilinear", align_corners=False
        ).float()
        return dict(
            loss_bce=self.bce_weight * F.binary_cross_entropy_with_logits(logits, gt),
            loss_dice=self.dice_weight * self.dice(logits, gt),
        )
