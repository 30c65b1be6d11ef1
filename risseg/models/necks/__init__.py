"""necks."""
from risseg.models.necks.seqtr_fusion import SeqTRFusionNeck

__all__ = ["SeqTRFusionNeck"]
