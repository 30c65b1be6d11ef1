"""Tiny open_clip model configs (the real CLIP-RN and CoCa classes, tiny widths) for tests and
benchmarks; nothing is downloaded."""

from __future__ import annotations

import json
import os
import tempfile

# A ModifiedResNet CLIP: the RN50 architecture family at tiny widths.
TINY_CLIP_RN = {
    "embed_dim": 16,
    "quick_gelu": True,
    "vision_cfg": {"image_size": 32, "layers": [1, 1, 1, 1], "width": 8, "patch_size": None},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1},
}
# CoCa (ViT image tower, attentional pooler, multimodal decoder) at tiny widths.
TINY_COCA = {
    "embed_dim": 32,
    "vision_cfg": {
        "image_size": 32,
        "layers": 1,
        "width": 32,
        "head_width": 16,
        "patch_size": 8,
        "attentional_pool": True,
        "attn_pooler_heads": 2,
        "attn_pooler_queries": 8,
        "output_tokens": True,
    },
    "text_cfg": {
        "context_length": 76,
        "vocab_size": 49408,
        "width": 32,
        "heads": 2,
        "layers": 1,
        "embed_cls": True,
        "output_tokens": True,
    },
    "multimodal_cfg": {
        "context_length": 76,
        "vocab_size": 49408,
        "width": 32,
        "heads": 2,
        "layers": 1,
        "attn_pooler_heads": 2,
    },
    "custom_text": True,
}
TINY_OPEN_CLIP = {"risseg-tiny-clip-rn": TINY_CLIP_RN, "risseg-tiny-coca": TINY_COCA}


def register_tiny_open_clip(folder: str | os.PathLike | None = None) -> list[str]:
    """Add :data:`TINY_OPEN_CLIP` to open_clip's model configs; returns their names.

    Args:
        folder: where the config JSON files are written (a temporary folder by default; open_clip
            reads them at once).
    """
    import open_clip

    with tempfile.TemporaryDirectory() as tmp:
        target = folder or tmp
        for name, cfg in TINY_OPEN_CLIP.items():
            with open(os.path.join(target, f"{name}.json"), "w", encoding="utf-8") as f:
                json.dump(cfg, f)
        open_clip.add_model_config(target)
    return list(TINY_OPEN_CLIP)
