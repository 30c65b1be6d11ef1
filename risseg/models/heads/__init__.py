"""heads."""
from risseg.models.heads.seq_head import SeqHead

__all__ = ["SeqHead"]
