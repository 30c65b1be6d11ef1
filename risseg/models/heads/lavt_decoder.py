"""LAVT's top-down decoder ("SimpleDecoding") and its loss."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.heads.base import BaseMaskHead, HeadInputs, input_shape_of
from risseg.models.utils import build, stack_gt_masks
from risseg.registry import MODELS
from risseg.structures import SampleList


def _conv_bn_relu(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU()
    )


def _upsample_to(x: Tensor, ref: Tensor) -> Tensor:
    """Bilinear (align_corners=True, as LAVT) up-sampling of x to ref's size when smaller."""
    if x.shape[-2] < ref.shape[-2] or x.shape[-1] < ref.shape[-1]:
        x = F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=True)
    return x


@MODELS.register_module()
class LAVTDecoderHead(BaseMaskHead):
    """Fuse the four stage maps top-down and predict background/foreground logits.

    Paper: https://arxiv.org/abs/2112.02244 (Sec. 3.4). Y4 is up-sampled to Y3, concatenated
    and passed through two [3x3 conv, BN, ReLU]; the result is merged with Y2, then Y1, the
    same way; a 1x1 conv gives 2 classes at stride 4 (:meth:`decode`), up-sampled
    (align_corners=True) to the padded input size (:meth:`seg_logits`).

    Input: ``feats.visual`` = Y1..Y4, each (B, C_i, H_i, W_i), strides 4, 8, 16, 32.

    Args:
        in_channels: channels of Y1..Y4 (Swin-B: 128, 256, 512, 1024).
        hidden_dim: decoder width (LAVT: 512 = C4 / 2).
        loss: config of the loss on the 2-class logits at input resolution.
        loss_dice: optional second loss on the foreground logit (B, 1, H, W) = logit_fg -
            logit_bg (e.g. ``DiceLoss``: its sigmoid is the 2-class softmax), as ``loss_dice``.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (128, 256, 512, 1024),
        hidden_dim: int = 512,
        loss: dict | nn.Module | None = None,
        loss_dice: dict | nn.Module | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        c1, c2, c3, c4 = in_channels
        self.fuse4 = nn.Sequential(
            _conv_bn_relu(c4 + c3, hidden_dim), _conv_bn_relu(hidden_dim, hidden_dim)
        )
        self.fuse3 = nn.Sequential(
            _conv_bn_relu(hidden_dim + c2, hidden_dim), _conv_bn_relu(hidden_dim, hidden_dim)
        )
        self.fuse2 = nn.Sequential(
            _conv_bn_relu(hidden_dim + c1, hidden_dim), _conv_bn_relu(hidden_dim, hidden_dim)
        )
        self.cls = nn.Conv2d(hidden_dim, 2, 1)
        self.loss_fn = build(loss or dict(type="WeightedCrossEntropyLoss"))
        self.loss_dice = build(loss_dice)

    def decode(self, maps: Sequence[Tensor]) -> Tensor:
        """Decode.

        Args:
            maps: Y1..Y4, each (B, C_i, H_i, W_i), strides 4, 8, 16, 32.

        Returns:
            (B, 2, H_1, W_1) background/foreground logits at stride 4.
        """
        y1, y2, y3, y4 = maps
        x = self.fuse4(torch.cat([_upsample_to(y4, y3), y3], dim=1))
        x = self.fuse3(torch.cat([_upsample_to(x, y2), y2], dim=1))
        x = self.fuse2(torch.cat([_upsample_to(x, y1), y1], dim=1))
        return self.cls(x)

    def seg_logits(self, feats: HeadInputs, samples: SampleList) -> Tensor:
        """(B, 2, H, W) logits up-sampled (align_corners=True) to the padded input size."""
        logits = self.decode(feats.visual)
        return F.interpolate(
            logits, size=input_shape_of(samples), mode="bilinear", align_corners=True
        )

    def loss(self, feats: HeadInputs, data_samples: SampleList) -> dict[str, Tensor]:
        """Weighted cross-entropy against the GT masks at the padded input size.

        Args:
            feats: ``visual`` = Y1..Y4 as in :meth:`decode`.
            data_samples: B samples with ``gt_mask`` (1, H, W) in the input frame.

        Returns:
            ``{'loss_ce': scalar}`` (and ``loss_dice`` when configured).
        """
        return self.loss_by_logits(self.seg_logits(feats, data_samples), data_samples)

    def loss_by_logits(self, logits: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """The losses of :meth:`loss` on (B, 2, H, W) :meth:`seg_logits` already computed.

        Args:
            logits: (B, 2, H, W) background/foreground logits at the padded input size.
            data_samples: B samples with ``gt_mask`` (1, H', W'), H' <= H, W' <= W.

        Returns:
            ``{'loss_ce': scalar}`` (and ``loss_dice`` when configured).
        """
        input_shape = logits.shape[-2:]
        target = stack_gt_masks(data_samples, logits.device)[:, 0]  # (B, 1, H', W') -> (B, H', W')
        target = F.pad(
            target, (0, input_shape[1] - target.shape[-1], 0, input_shape[0] - target.shape[-2])
        )
        losses = dict(loss_ce=self.loss_fn(logits, target.long()))
        if self.loss_dice is not None:
            fg = logits[:, 1:2] - logits[:, 0:1]  # sigmoid(fg) = softmax(logits)[:, 1]
            losses["loss_dice"] = self.loss_dice(fg, target[:, None])
        return losses

    def forward(self, feats: HeadInputs, samples: SampleList | None = None) -> Tensor:
        """Foreground-vs-background logit, so that ``logit > 0`` equals the 2-class argmax.

        Args:
            feats: ``visual`` = Y1..Y4 as in :meth:`decode`.
            samples: the batch's samples (the padded input size of their metainfo).

        Returns:
            (B, 1, H, W) logit_fg - logit_bg at the padded input size.
        """
        logits = self.seg_logits(feats, samples)
        return logits[:, 1:2] - logits[:, 0:1]
