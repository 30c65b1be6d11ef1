"""Heads: decode fused features into masks and own their losses."""

from risseg.models.heads.lavt_decoder import LAVTDecoderHead
from risseg.models.heads.seq_head import SeqHead
from risseg.models.heads.simple_mask_head import SimpleMaskHead

__all__ = [
    "LAVTDecoderHead",
    "SeqHead",
    "SimpleMaskHead",
]
