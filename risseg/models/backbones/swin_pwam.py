"""Swin Transformer with LAVT's language fusion after every stage."""

from __future__ import annotations

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule
from timm.models.swin_transformer import SwinTransformer
from torch import Tensor, nn

from risseg.models.backbones.swin_checkpoint import convert_official_swin_keys
from risseg.models.layers.language_gate import LanguageGate
from risseg.models.layers.pwam import PWAM
from risseg.models.layers.swin_window import swin_stage_pad_shift
from risseg.registry import MODELS


@MODELS.register_module()
class SwinPWAM(BaseModule):
    """LAVT's language-aware Swin encoder (https://arxiv.org/abs/2112.02244).

    The Swin stages are timm's (``timm.models.swin_transformer.SwinTransformer``); after the
    blocks of every stage i (before the next patch merging) a :class:`PWAM` fuses the words
    into the stage tokens, giving F_i, and a :class:`LanguageGate` adds G_i * F_i back to the
    stream. The decoder receives LayerNorm_i(F_i), not the gated stream, so the last stage's
    gated stream feeds nothing (as in LAVT): that gate is kept, so that official checkpoints
    load unchanged, but frozen and skipped, so no trainable parameter goes without a gradient
    (DistributedDataParallel needs no ``find_unused_parameters``).

    Defaults are Swin-B, window 12 (LAVT). Windows always partition with padding in the
    official Swin/LAVT order: each block pads its map to a multiple of the window, then applies
    the cyclic shift, with the shifted-window mask built on the padded grid
    (:func:`risseg.models.layers.swin_window.swin_block_pad_shift`; timm's own block forward
    shifts before padding, which differs whenever a stage side is not a multiple of the window,
    e.g. the 15x15 last stage of a 480x480 input). The modules and parameter names stay timm's,
    so official and timm Swin checkpoints load unchanged. Any input whose sides are multiples
    of 32 works.

    Args:
        embed_dim: channels of stage 1 (doubling per stage).
        depths: blocks per stage.
        num_heads: attention heads per stage.
        window_size: attention window.
        mlp_ratio: MLP width ratio of the blocks.
        drop_path_rate: stochastic depth, linearly spaced over all blocks.
        text_dim: C_l, width of the word features.
        fusion_heads: heads of each stage's PWAM.
        fusion_drop: dropout inside the PWAMs.
        zero_init_gate: start every gate at zero (identity residual).
        pretrained: local path of an official or timm Swin checkpoint for the Swin weights
            (PWAMs, gates and output norms stay randomly initialised). Never downloads.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        embed_dim: int = 128,
        depths: tuple[int, ...] = (2, 2, 18, 2),
        num_heads: tuple[int, ...] = (4, 8, 16, 32),
        *,
        window_size: int = 12,
        mlp_ratio: float = 4.0,
        drop_path_rate: float = 0.3,
        text_dim: int = 768,
        fusion_heads: tuple[int, ...] = (1, 1, 1, 1),
        fusion_drop: float = 0.0,
        zero_init_gate: bool = False,
        pretrained: str | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        swin = SwinTransformer(
            img_size=32 * window_size,  # only a default grid: windows and masks are dynamic
            patch_size=4,
            num_classes=0,
            embed_dim=embed_dim,
            depths=tuple(depths),
            num_heads=tuple(num_heads),
            window_size=window_size,
            always_partition=True,
            strict_img_size=False,
            mlp_ratio=mlp_ratio,
            drop_path_rate=drop_path_rate,
        )
        self.patch_embed = swin.patch_embed
        self.layers = swin.layers  # timm stages: [patch merging (i > 0)] + blocks
        dims = [embed_dim * 2**i for i in range(len(depths))]
        self.out_channels = tuple(dims)
        self.pwams = nn.ModuleList(
            PWAM(d, text_dim, num_heads=h, dropout=fusion_drop)
            for d, h in zip(dims, fusion_heads, strict=True)
        )
        self.gates = nn.ModuleList(LanguageGate(d, zero_init=zero_init_gate) for d in dims)
        self.gates[-1].requires_grad_(False)  # its output is never used (class docstring)
        self.out_norms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.pretrained = pretrained

    def init_weights(self) -> None:
        """Load the Swin weights from ``pretrained`` (converted to timm names), if given."""
        super().init_weights()
        if self.pretrained is None:
            return
        ckpt = torch.load(self.pretrained, map_location="cpu", weights_only=True)
        state = convert_official_swin_keys(ckpt)
        missing, unexpected = self.load_state_dict(state, strict=False)
        swin_missing = [k for k in missing if k.startswith(("patch_embed.", "layers."))]
        if swin_missing or unexpected:
            raise KeyError(
                f"{self.pretrained}: Swin keys missing {swin_missing[:5]} ({len(swin_missing)}), "
                f"unexpected {unexpected[:5]} ({len(unexpected)})."
            )
        print_log(f"SwinPWAM: loaded {len(state)} Swin tensors from {self.pretrained}", "current")

    def forward(self, x: Tensor, text: Tensor, text_mask: Tensor) -> tuple[Tensor, ...]:
        """Encode an image batch conditioned on the expressions.

        Args:
            x: (B, 3, H, W) normalised images, H and W multiples of 4 (of 32 for 4 stages
                without rounding).
            text: (B, L, C_l) word features.
            text_mask: (B, L) bool, True on real words.

        Returns:
            One (B, C_i, H / 2^(i+2), W / 2^(i+2)) map per stage: LayerNorm_i(F_i).
        """
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"Input sides must be multiples of 4, got {tuple(x.shape[-2:])}.")
        x = self.patch_embed(x)  # (B, H/4, W/4, C) channels-last
        outs = []
        last = len(self.layers) - 1
        for i, (stage, pwam, gate, norm) in enumerate(
            zip(self.layers, self.pwams, self.gates, self.out_norms, strict=True)
        ):
            x = swin_stage_pad_shift(stage, x)  # (B, h, w, C_i)
            b, h, w, c = x.shape
            tokens = x.reshape(b, h * w, c)  # (B, h, w, C) -> (B, N, C)
            fused = pwam(tokens, text, text_mask)  # F_i (B, N, C)
            if i < last:  # the last gated stream would feed nothing
                x = gate(tokens, fused).reshape(b, h, w, c)  # (B, N, C) -> (B, h, w, C)
            outs.append(norm(fused).reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous())
        return tuple(outs)
