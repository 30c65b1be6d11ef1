"""Shared layers."""
from risseg.models.layers.co_content import co_content
from risseg.models.layers.language_gate import LanguageGate
from risseg.models.layers.point_gaussian_bias import PointGaussianBias
from risseg.models.layers.positional_encoding import (
    LearnedPositionalEncoding1D,
    SinePositionalEncoding2D,
)
from risseg.models.layers.semi_views import WeakStrongViews
from risseg.models.layers.seq_transformer import SeqDecoderLayer, SeqEncoderLayer

__all__ = [
    "LanguageGate",
    "LearnedPositionalEncoding1D",
    "PointGaussianBias",
    "SeqDecoderLayer",
    "SeqEncoderLayer",
    "SinePositionalEncoding2D",
    "WeakStrongViews",
    "co_content",
]
