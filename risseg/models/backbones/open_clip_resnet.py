"""CLIP's ModifiedResNet image tower (open_clip) as a multi-scale backbone.

The tower is built by ``open_clip`` (weights from a local file through
:func:`risseg.foundation.clip_scorers.build_open_clip`); architectures that open_clip does not
ship (the SynthRef stand-in ``'synthref-clip-rn'``) come from a local open_clip JSON config.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from risseg.registry import MODELS


def load_open_clip(
    model_name: str,
    checkpoint: str | os.PathLike | None = None,
    model_config: str | os.PathLike | None = None,
) -> nn.Module:
    """An open_clip CLIP model (train mode) from a local weights file (``None``: random, logged).

    :func:`risseg.foundation.clip_scorers.build_open_clip` without its transform and tokenizer:
    created where parameters are created by default (so it also builds on the meta device),
    weights through :func:`risseg.foundation.weights.load_torch_weights`.

    Args:
        model_name: open_clip architecture name, e.g. ``'RN50-quickgelu'``.
        checkpoint: local weights file of the whole CLIP model.
        model_config: local open_clip JSON config registered as ``model_name`` first.
    """
    from risseg.foundation.clip_scorers import build_open_clip

    device = nn.Linear(1, 1, bias=False).weight.device
    model, _, _ = build_open_clip(model_name, checkpoint, device=device, model_config=model_config)
    return model.train()


class SpatialAttentionPool(nn.Module):
    """CLIP's attention pool applied at every position of C4 (CRIS), plus a residual branch.

    Queries are the C4 positions themselves (no mean token); the positional embedding's
    spatial part is resized bicubically to the map; a new 1x1 conv + BatchNorm residual and a
    ReLU follow. ``(B, C, H, W) -> (B, D, H, W)``, D = CLIP's embedding dimension.

    Args:
        pool: open_clip's ``AttentionPool2d`` (its weights are used).
    """

    def __init__(self, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool
        width = pool.q_proj.in_features
        self.out_channels = pool.c_proj.out_features
        self.residual = nn.Sequential(
            nn.Conv2d(width, self.out_channels, 1, bias=False), nn.BatchNorm2d(self.out_channels)
        )

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) C4 map -> (B, D, H, W)."""
        b, c, h, w = x.shape
        pool = self.pool
        grid = pool.positional_embedding[1:]  # the first row belongs to the mean token
        side = int(round(grid.shape[0] ** 0.5))
        grid = grid.reshape(1, side, side, c).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False)
        tokens = (x + grid.to(x.dtype)).flatten(2).permute(2, 0, 1)  # (HW, B, C)
        out, _ = F.multi_head_attention_forward(
            query=tokens,
            key=tokens,
            value=tokens,
            embed_dim_to_check=c,
            num_heads=pool.num_heads,
            q_proj_weight=pool.q_proj.weight,
            k_proj_weight=pool.k_proj.weight,
            v_proj_weight=pool.v_proj.weight,
            in_proj_weight=None,
            in_proj_bias=torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]),
            bias_k=None,
            bias_v=None,
            add_zero_attn=False,
            dropout_p=0.0,
            out_proj_weight=pool.c_proj.weight,
            out_proj_bias=pool.c_proj.bias,
            use_separate_proj_weight=True,
            training=self.training,
            need_weights=False,
        )
        out = out.permute(1, 2, 0).reshape(b, -1, h, w)
        return F.relu(out + self.residual(x))


@MODELS.register_module()
class OpenCLIPResNet(BaseModule):
    """The image tower of an open_clip ModifiedResNet CLIP (RN50 family): C1..C4 maps.

    Paper: https://arxiv.org/abs/2103.00020. The attention pool (CLIP's image embedding) is
    dropped unless ``spatial_attnpool`` (CRIS: the pool run at every C4 position, see
    :class:`SpatialAttentionPool`), which replaces C4 by a map of CLIP's embedding width.

    Args:
        model_name: open_clip architecture, e.g. ``'RN50-quickgelu'`` (OpenAI weights).
        checkpoint: local weights file of the whole CLIP model; ``None``: random (logged).
        model_config: local open_clip JSON config for an architecture open_clip lacks.
        out_indices: which of C1..C4 (0..3) to return, finest first.
        frozen: freeze every weight and keep BatchNorm in eval mode.
        spatial_attnpool: replace C4 by the attention pool at every position (CRIS).
        init_cfg: mmengine init config.

    Shapes:
        (B, 3, H, W) CLIP-normalised images -> tuple of (B, C_i, H / s_i, W / s_i), strides
        4, 8, 16, 32; RN50 channels 256, 512, 1024, 2048 (C4 with ``spatial_attnpool``: 1024).
    """

    def __init__(
        self,
        model_name: str,
        checkpoint: str | None = None,
        model_config: str | None = None,
        out_indices: Sequence[int] = (0, 1, 2, 3),
        frozen: bool = False,
        spatial_attnpool: bool = False,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        out_indices = tuple(out_indices)
        if not out_indices or any(i not in (0, 1, 2, 3) for i in out_indices):
            raise ValueError(f"OpenCLIPResNet: out_indices must lie in 0..3, got {out_indices}")
        visual = load_open_clip(model_name, checkpoint, model_config).visual
        if not hasattr(visual, "attnpool"):
            raise ValueError(f"OpenCLIPResNet: {model_name} is not a ModifiedResNet CLIP")
        self.out_indices = out_indices
        last = max(out_indices)
        self.stem = nn.Sequential(
            visual.conv1, visual.bn1, visual.act1, visual.conv2, visual.bn2, visual.act2,
            visual.conv3, visual.bn3, visual.act3, visual.avgpool,
        )  # fmt: skip
        layers = [visual.layer1, visual.layer2, visual.layer3, visual.layer4]
        self.layers = nn.ModuleList(layers[: last + 1])
        channels = [layer[-1].bn3.num_features for layer in layers]
        self.attnpool = None
        if spatial_attnpool:
            if last != 3:
                raise ValueError("OpenCLIPResNet: spatial_attnpool needs C4 (index 3)")
            self.attnpool = SpatialAttentionPool(visual.attnpool)
            channels[3] = self.attnpool.out_channels
        self.out_channels = tuple(channels[i] for i in out_indices)
        self.strides = tuple(4 * 2**i for i in out_indices)
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)

    def init_weights(self) -> None:
        """Keep open_clip's weights (loaded or initialised); mmengine must not reset them."""

    def train(self, mode: bool = True) -> OpenCLIPResNet:
        """A frozen tower (BatchNorm statistics included) stays in eval mode."""
        super().train(mode and not self.frozen)
        return self

    def forward(self, images: Tensor) -> tuple[Tensor, ...]:
        """(B, 3, H, W) normalised images -> the selected maps, finest first."""
        x = self.stem(images.to(self.stem[0].weight.dtype))
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        if self.attnpool is not None:
            feats[3] = self.attnpool(feats[3])
        return tuple(feats[i] for i in self.out_indices)
