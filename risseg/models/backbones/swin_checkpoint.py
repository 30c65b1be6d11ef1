"""Key conversion from the official Swin Transformer release to timm's module names."""

from __future__ import annotations

import re

from torch import Tensor

# Buffers that the official checkpoints store but timm recomputes.
_SKIP = ("relative_position_index", "attn_mask")


def convert_official_swin_keys(state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename an official Swin state dict (e.g. ``swin_base_patch4_window12_384_22k.pth``).

    The official code ends stage i with its patch merging (``layers.i.downsample``); timm
    starts stage i+1 with it, so ``layers.i.downsample.*`` becomes ``layers.{i+1}.downsample.*``.
    The classifier (``head.*``), the final ``norm.*`` and recomputed buffers are dropped. Block
    names (``blocks.j.norm1``, ``attn.qkv``, ``attn.relative_position_bias_table``,
    ``mlp.fc1`` ...) and ``patch_embed.*`` are already identical. A checkpoint that already
    uses timm's names (no ``layers.0.downsample``) passes through unchanged except for the
    dropped keys.

    Args:
        state_dict: the checkpoint's ``model`` (or ``state_dict``) mapping, or the file's dict.

    Returns:
        A new dict with timm's names, ready for the ``SwinTransformer`` inside ``SwinPWAM``.
    """
    for key in ("model", "state_dict"):
        if key in state_dict and isinstance(state_dict[key], dict):
            state_dict = state_dict[key]
    official = any(k.startswith("layers.0.downsample.") for k in state_dict)
    out = {}
    for k, v in state_dict.items():
        if any(s in k for s in _SKIP) or k.startswith(("head.", "norm.")):
            continue
        if official:
            k = re.sub(
                r"^layers\.(\d+)\.downsample", lambda m: f"layers.{int(m[1]) + 1}.downsample", k
            )
        out[k] = v
    return out
