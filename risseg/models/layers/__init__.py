"""layers."""
from risseg.models.layers.co_content import co_content
from risseg.models.layers.point_gaussian_bias import PointGaussianBias
from risseg.models.layers.positional_encoding import (
    LearnedPositionalEncoding1D,
    SinePositionalEncoding2D,
)
from risseg.models.layers.seq_transformer import SeqDecoderLayer, SeqEncoderLayer

__all__ = [
    "LearnedPositionalEncoding1D",
    "PointGaussianBias",
    "SeqDecoderLayer",
    "SeqEncoderLayer",
    "SinePositionalEncoding2D",
    "co_content",
]
