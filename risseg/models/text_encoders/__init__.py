"""Language encoders: token ids in, word features, mask and sentence feature out."""
from risseg.models.text_encoders.gru_text_encoder import GRUTextEncoder

__all__ = ["GRUTextEncoder"]
