"""Backbones."""

from risseg.models.backbones.swin_checkpoint import convert_official_swin_keys
from risseg.models.backbones.swin_pwam import SwinPWAM

__all__ = ["SwinPWAM", "convert_official_swin_keys"]
