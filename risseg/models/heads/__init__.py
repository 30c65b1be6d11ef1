"""Heads."""

from risseg.models.heads.lavt_decoder import LAVTDecoderHead

__all__ = ["LAVTDecoderHead"]
