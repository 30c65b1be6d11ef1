from risseg.models.segmentors.affinity_edge_net import AffinityEdgeNet
from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.segmentors.cris import CRIS
from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.segmentors.lavt import LAVTSegmentor
from risseg.models.segmentors.semi_res import SemiRESSegmentor
from risseg.models.segmentors.seqtr import SeqTRSegmentor
from risseg.models.segmentors.ssc import SSCLAVTSegmentor
from risseg.models.segmentors.tris import TRISLocalizer

__all__ = [
    "AffinityEdgeNet",
    "BaseRISSegmentor",
    "CRIS",
    "LAVTSegmentor",
    "RISSegmentor",
    "SemiRESSegmentor",
    "SeqTRSegmentor",
    "SSCLAVTSegmentor",
    "TRISLocalizer",
]
