"""Tiny SeqTR models and hand-made samples for tests (CPU, seconds)."""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from torch import Tensor, nn

from risseg.structures import RISDataSample


class BagOfWordsTextEncoder(nn.Module):
    """Test double of a word-level text encoder: embeddings, max-pooled sentence feature.

    Returns (words (B, L, C), mask (B, L), sentence (B, C)) like ``GRUTextEncoder``.
    """

    def __init__(self, vocab_size: int = 64, dim: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)

    def forward(self, ids: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        words = self.embed(ids) * mask[..., None]
        sent = words.masked_fill(~mask[..., None].bool(), -1e4).amax(1)
        return words, mask, sent


def tiny_seqtr(task: str = "mask", num_points: int = 6, **head_flags) -> dict:
    """Config of a tiny SeqTRSegmentor (widen 1/16, 1 block per stage, d_model 32)."""
    partial = head_flags.get("language_token", False)
    return dict(
        type="SeqTRSegmentor",
        data_preprocessor=dict(
            type="RISDataPreprocessor", mean=None, std=None, pad_size_divisor=32
        ),
        backbone=dict(
            type="DarkNet53", widen_factor=1 / 16, num_blocks=(1, 1, 1, 1, 1), freeze_layer=None
        ),
        text_encoder=BagOfWordsTextEncoder(64, 32),
        neck=dict(
            type="SeqTRFusionNeck",
            in_channels=(16, 32, 64),
            text_channels=32,
            out_channels=64,
            return_text_token=partial,
        ),
        head=dict(
            type="SeqHead",
            in_channels=64,
            task=task,
            num_points=num_points,
            d_model=32,
            num_heads=4,
            ffn_dim=64,
            num_encoder_layers=1,
            num_decoder_layers=1,
            dropout=0.0,
            **head_flags,
        ),
    )


def seqtr_samples(
    batch_size: int = 2, size: tuple[int, int] = (64, 64), supervision: str = "mask"
) -> tuple[Tensor, list[RISDataSample]]:
    """A preprocessed batch: float inputs (B, 3, H, W) and samples with a square GT each.

    The content is ``size`` minus 8 columns of padding on the right; the original image is
    twice as large (scale_factor 0.5), so predictions at the original resolution are
    (2H, 2(W - 8)).
    """
    h, w = size
    gen = torch.Generator().manual_seed(0)
    inputs = torch.rand(batch_size, 3, h, w, generator=gen) * 255
    samples = []
    for i in range(batch_size):
        meta = dict(
            img_shape=(h, w - 8),
            pad_shape=(h, w),
            ori_shape=(2 * h, 2 * (w - 8)),
            scale_factor=(0.5, 0.5),
            img_offset=(0, 0),
            flip=False,
            supervision=supervision,
            ref_id=i,
            sent_id=10 * i,
            image_id=100 + i,
            ann_id=1000 + i,
        )
        sample = RISDataSample(metainfo=meta)
        mask = torch.zeros(1, h, w, dtype=torch.bool)
        y0, x0 = 8 + 4 * i, 10 + 2 * i
        mask[0, y0 : y0 + 20, x0 : x0 + 24] = True
        sample.gt_mask = PixelData(data=mask)
        sample.gt_bbox = torch.tensor([x0, y0, x0 + 24, y0 + 20], dtype=torch.float32)
        sample.text_ids = torch.tensor([3 + i, 4, 5, 0, 0])
        sample.text_mask = torch.tensor([True, True, True, False, False])
        samples.append(sample)
    return inputs, samples
