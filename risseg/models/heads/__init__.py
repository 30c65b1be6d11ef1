"""Heads: decode the segmentor's features, own their losses and post-processing."""

from risseg.models.heads.base import (
    BaseMaskHead,
    BaseRISHead,
    HeadInputs,
    input_shape_of,
    mask_logits_to_samples,
)
from risseg.models.heads.cris_head import CRISHead
from risseg.models.heads.deep_sup_fpn_head import DeepSupFPNHead
from risseg.models.heads.lavt_decoder import LAVTDecoderHead
from risseg.models.heads.seq_head import SeqHead
from risseg.models.heads.simple_mask_head import SimpleMaskHead

__all__ = [
    "BaseMaskHead",
    "BaseRISHead",
    "CRISHead",
    "DeepSupFPNHead",
    "HeadInputs",
    "LAVTDecoderHead",
    "SeqHead",
    "SimpleMaskHead",
    "input_shape_of",
    "mask_logits_to_samples",
]
