"""Shared layers."""

from risseg.models.layers.bilateral_prompt import BilateralPrompt
from risseg.models.layers.co_content import co_content
from risseg.models.layers.conv_blocks import conv_bn_relu, coord_map
from risseg.models.layers.language_gate import LanguageGate
from risseg.models.layers.point_gaussian_bias import PointGaussianBias
from risseg.models.layers.positional_encoding import (
    LearnedPositionalEncoding1D,
    SinePositionalEncoding2D,
)
from risseg.models.layers.pwam import PWAM, PixelWordAttention
from risseg.models.layers.semi_views import WeakStrongViews
from risseg.models.layers.seq_transformer import SeqDecoderLayer, SeqEncoderLayer
from risseg.models.layers.swin_window import swin_block_pad_shift, swin_stage_pad_shift

__all__ = [
    "BilateralPrompt",
    "LanguageGate",
    "LearnedPositionalEncoding1D",
    "PWAM",
    "PixelWordAttention",
    "PointGaussianBias",
    "SeqDecoderLayer",
    "SeqEncoderLayer",
    "SinePositionalEncoding2D",
    "WeakStrongViews",
    "co_content",
    "conv_bn_relu",
    "coord_map",
    "swin_block_pad_shift",
    "swin_stage_pad_shift",
]
