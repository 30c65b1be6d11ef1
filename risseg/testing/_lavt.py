"""Tiny LAVT parts and hand-made samples for tests (CPU, seconds, random weights)."""

from __future__ import annotations

import torch
from mmengine.structures import PixelData

from risseg.structures import RISDataSample

TINY_BERT = dict(
    vocab_size=64,
    hidden_size=16,
    num_hidden_layers=12,  # 12 like BERT-base so the layer selection (0-9) is exercised
    num_attention_heads=2,
    intermediate_size=32,
    max_position_embeddings=32,
)


def tiny_lavt_cfg(text_dim: int = 16, with_preprocessor: bool = True) -> dict:
    """Config of a randomly initialised LAVT small enough for unit tests (64-px inputs)."""
    cfg = dict(
        type="LAVTSegmentor",
        backbone=dict(
            type="SwinPWAM",
            embed_dim=8,
            depths=(1, 1, 2, 1),
            num_heads=(1, 1, 2, 2),
            window_size=4,
            drop_path_rate=0.0,
            text_dim=text_dim,
        ),
        text_encoder=dict(type="BertTextEncoder", config=dict(TINY_BERT, hidden_size=text_dim)),
        head=dict(type="LAVTDecoderHead", in_channels=(8, 16, 32, 64), hidden_dim=16),
    )
    if with_preprocessor:
        cfg["data_preprocessor"] = dict(type="RISDataPreprocessor")
    return cfg


def demo_lavt_samples(
    batch: int = 2,
    size: int = 64,
    length: int = 8,
    supervision: str = "mask",
    seed: int = 0,
) -> tuple[torch.Tensor, list[RISDataSample]]:
    """Normalised-looking images and samples with tokens, masks and geometry metainfo.

    Returns:
        inputs (B, 3, size, size) float and B samples with ``text_ids`` / ``text_mask`` (L,),
        ``gt_mask`` (1, size, size) (a square in the image) and ``supervision``.
    """
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch, 3, size, size, generator=g)
    samples = []
    for i in range(batch):
        n_real = 3 + i % (length - 3)
        ids = torch.zeros(length, dtype=torch.long)
        ids[:n_real] = torch.randint(1, TINY_BERT["vocab_size"], (n_real,), generator=g)
        mask = torch.arange(length) < n_real
        gt = torch.zeros(1, size, size, dtype=torch.bool)
        gt[:, size // 4 : size // 2 + 4 * i, size // 4 : size // 2] = True
        s = RISDataSample(
            metainfo=dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                pad_shape=(size, size),
                supervision=supervision,
                image_id=i,
                text=f"sample {i}",
            )
        )
        s.text_ids, s.text_mask = ids, mask
        s.gt_mask = PixelData(data=gt)
        samples.append(s)
    return inputs, samples
