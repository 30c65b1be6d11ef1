"""TRIS's stage-2 decoder: an FPN of ConvBNPReLU blocks with four deep-supervision outputs."""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.heads.base import BaseMaskHead, HeadInputs, input_shape_of
from risseg.models.utils import stack_gt_masks
from risseg.registry import MODELS
from risseg.structures import SampleList


def conv_bn_prelu(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 conv (no bias) -> BatchNorm -> PReLU, 'same' padding."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.PReLU(),
    )


def _up(x: Tensor, like: Tensor | tuple[int, int]) -> Tensor:
    size = like.shape[-2:] if isinstance(like, Tensor) else like
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


@MODELS.register_module()
class DeepSupFPNHead(BaseMaskHead):
    """Top-down decoder over four levels with a prediction at every level (TRIS stage 2,
    https://arxiv.org/abs/2308.14575).

    Each level i is reduced by a ConvBNPReLU to ``channels[i]``; from the coarsest,
    ``D_i = up(ConvBNPReLU(D_{i+1} + R_i))`` halves the width at each step
    (``channels[i] -> channels[i] / 2``) and ``D_1 = ConvBNPReLU(D_2 + R_1)``. Four outputs
    (ConvBNPReLU + 1x1 conv to one logit) on D1 (the prediction), D2, D3, D4.

    Loss: the sum over the four outputs, each bilinearly up-sampled to the padded input, of
    ``weights[k] * BCE`` against ``gt_mask`` (pseudo masks arrive there), over samples whose
    ``supervision`` is ``'mask'``.

    Args:
        in_channels: channels of the four (fused) levels, finest first.
        channels: reduced widths, finest first (TRIS: 64, 128, 256, 512).
        weights: loss weight of each output, main (D1) first (TRIS: 1 each).
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        in_channels: Sequence[int] = (256, 512, 1024, 2048),
        channels: Sequence[int] = (64, 128, 256, 512),
        weights: Sequence[float] = (1.0, 1.0, 1.0, 1.0),
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if not len(in_channels) == len(channels) == len(weights) == 4:
            raise ValueError("DeepSupFPNHead takes four levels, widths and weights")
        self.reduce = nn.ModuleList(
            conv_bn_prelu(i, c) for i, c in zip(in_channels, channels, strict=True)
        )
        self.decode = nn.ModuleList(conv_bn_prelu(c, c // 2) for c in channels)
        hidden = [min(max(c // 4, 32), 64) for c in channels]  # TRIS: 32, 32, 64, 64
        self.outputs = nn.ModuleList(
            nn.Sequential(conv_bn_prelu(c // 2, k), nn.Conv2d(k, 1, 1, bias=False))
            for c, k in zip(channels, hidden, strict=True)
        )
        self.weights = tuple(weights)

    def decoder(self, feats: HeadInputs) -> list[Tensor]:
        """The four (B, 1, h_i, w_i) logit maps, finest (the prediction) first."""
        reduced = [r(f) for r, f in zip(self.reduce, feats.visual, strict=True)]
        x = _up(self.decode[3](reduced[3]), reduced[2])  # D4, at the C3 grid
        outs = [x]
        for i in (2, 1):
            x = _up(self.decode[i](x + reduced[i]), reduced[i - 1])  # D3, D2
            outs.append(x)
        outs.append(self.decode[0](x + reduced[0]))  # D1
        outs = outs[::-1]  # D1, D2, D3, D4
        return [head(d) for head, d in zip(self.outputs, outs, strict=True)]

    def forward(self, feats: HeadInputs, samples: SampleList | None = None) -> Tensor:
        """(B, 1, H_1, W_1) foreground logits at the finest level's stride."""
        return self.decoder(feats)[0]

    def loss(self, feats: HeadInputs, data_samples: SampleList) -> dict[str, Tensor]:
        """``{'loss_bce_d1', ..., 'loss_bce_d4'}``: weighted BCE of every output."""
        logits = self.decoder(feats)
        keep = [
            i
            for i, s in enumerate(data_samples)
            if "gt_mask" in s and s.metainfo.get("supervision", "mask") == "mask"
        ]
        if not keep:  # no mask-supervised sample: zero losses that keep the graph connected
            return {f"loss_bce_d{k + 1}": x.sum() * 0 for k, x in enumerate(logits)}
        size = input_shape_of(data_samples)
        gt = stack_gt_masks([data_samples[i] for i in keep], device=logits[0].device)
        gt = F.pad(gt, (0, size[1] - gt.shape[-1], 0, size[0] - gt.shape[-2]))  # (B', 1, H, W)
        return {
            f"loss_bce_d{k + 1}": w
            * F.binary_cross_entropy_with_logits(_up(x[keep], size).float(), gt)
            for k, (x, w) in enumerate(zip(logits, self.weights, strict=True))
        }
