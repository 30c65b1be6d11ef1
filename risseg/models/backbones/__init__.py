"""Image backbones."""

from risseg.models.backbones.darknet import DarkNet53
from risseg.models.backbones.open_clip_resnet import OpenCLIPResNet
from risseg.models.backbones.swin_checkpoint import convert_official_swin_keys
from risseg.models.backbones.swin_pwam import SwinPWAM
from risseg.models.backbones.timm_backbone import TimmBackbone

__all__ = [
    "convert_official_swin_keys",
    "DarkNet53",
    "OpenCLIPResNet",
    "SwinPWAM",
    "TimmBackbone",
]
