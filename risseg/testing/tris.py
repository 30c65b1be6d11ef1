"""Tiny TRIS parts for tests: the real classes on the tiny open_clip CLIP-RN (no download)."""

from __future__ import annotations

import torch

from risseg.datasets.tokenizers import CLIPTokenizer
from risseg.structures import RISDataSample, SampleList
from risseg.testing.tiny_open_clip import register_tiny_open_clip

TINY_CLIP = "risseg-tiny-clip-rn"


def tiny_scorer_cfg() -> dict:
    """An ``OpenCLIPScorer`` config of the tiny CLIP-RN (random weights)."""
    register_tiny_open_clip()
    return dict(type="OpenCLIPScorer", model_name=TINY_CLIP, checkpoint=None)


def tiny_localizer_cfg(fg_loss: bool = True, **kwargs) -> dict:
    """A ``TRISLocalizer`` config on the tiny CLIP-RN towers (hidden width 16)."""
    register_tiny_open_clip()
    cfg = dict(
        type="TRISLocalizer",
        backbone=dict(type="OpenCLIPResNet", model_name=TINY_CLIP),
        text_encoder=dict(type="OpenCLIPTextEncoder", model_name=TINY_CLIP),
        hidden_dim=16,
        fg_loss=dict(type="CLIPForegroundLoss", scorer=tiny_scorer_cfg()) if fg_loss else None,
    )
    cfg.update(kwargs)
    return cfg


def tris_samples(texts: list[str], size: int = 64, max_length: int = 8) -> SampleList:
    """Samples with CLIP tokens, three negatives each and a square frame of ``size``."""
    tok = CLIPTokenizer()
    out = []
    for i, text in enumerate(texts):
        ids, mask = tok(text, max_length)
        negs = [t for t in texts if t != text][:3] or ["something else"]
        negs = (negs * 3)[:3]
        meta = dict(text=text, neg_texts=negs, ref_id=i, img_shape=(size, size))
        s = RISDataSample(metainfo=dict(meta, ori_shape=(size, size), pad_shape=(size, size)))
        s.text_ids = torch.tensor(ids)
        s.text_mask = torch.tensor(mask, dtype=torch.bool)
        out.append(s)
    return out
