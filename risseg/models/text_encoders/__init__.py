"""Language encoders: token ids in, word features, mask and sentence feature out."""

from risseg.models.text_encoders.bert_text_encoder import BertTextEncoder
from risseg.models.text_encoders.gru_text_encoder import GRUTextEncoder
from risseg.models.text_encoders.open_clip_text import OpenCLIPTextEncoder

__all__ = [
    "BertTextEncoder",
    "GRUTextEncoder",
    "OpenCLIPTextEncoder",
]
