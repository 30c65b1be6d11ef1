"""Models: segmentors and their parts. Importing this registers them all."""

from risseg.models import backbones, heads, losses, necks, segmentors, text_encoders  # noqa: F401
from risseg.models.data_preprocessor import RISDataPreprocessor

__all__ = ["RISDataPreprocessor"]
