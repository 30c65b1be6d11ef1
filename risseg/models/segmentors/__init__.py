from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.segmentors.seqtr import SeqTRSegmentor

__all__ = ["BaseRISSegmentor", "RISSegmentor", "SeqTRSegmentor"]
