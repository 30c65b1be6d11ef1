from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.segmentors.seqtr import SeqTRSegmentor

__all__ = ["BaseRISSegmentor", "SeqTRSegmentor"]
