"""Text encoders."""

from risseg.models.text_encoders.bert_text_encoder import BertTextEncoder

__all__ = ["BertTextEncoder"]
