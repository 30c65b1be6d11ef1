"""BERT language encoder (LAVT) from a local HuggingFace checkpoint."""

from __future__ import annotations

from mmengine.model import BaseModule
from torch import Tensor
from transformers import BertConfig, BertModel

from risseg.registry import MODELS


@MODELS.register_module()
class BertTextEncoder(BaseModule):
    """Word features from BERT's last hidden state (pooler removed).

    Paper: https://arxiv.org/abs/1810.04805; used by LAVT with ``bert-base-uncased``.
    Exactly one of ``pretrained`` and ``config`` is given: a local directory in HuggingFace
    format (never downloaded; ``local_files_only``) or a ``BertConfig`` keyword dict for a
    randomly initialised model (tests, SynthRef).

    Which layers are *optimised* is decided by the optimizer-wrapper constructor
    (``LAVTOptimWrapperConstructor`` keeps BERT layers 0-9 only, as LAVT does).

    Args:
        pretrained: local directory with ``config.json`` and the weights.
        config: ``BertConfig`` keyword arguments, e.g. ``dict(hidden_size=32, ...)``.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        pretrained: str | None = None,
        config: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if (pretrained is None) == (config is None):
            raise ValueError("Give exactly one of `pretrained` (a local dir) and `config`.")
        if pretrained is not None:
            self.bert = BertModel.from_pretrained(
                pretrained, add_pooling_layer=False, local_files_only=True
            )
        else:
            self.bert = BertModel(BertConfig(**config), add_pooling_layer=False)
        self.out_channels = self.bert.config.hidden_size

    def init_weights(self) -> None:
        """Keep HuggingFace's initialisation (or the loaded weights); mmengine must not reset it."""

    def forward(self, text_ids: Tensor, text_mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Encode tokenised expressions.

        Args:
            text_ids: (B, L) int64 wordpiece ids (with [CLS]/[SEP]).
            text_mask: (B, L) bool, True on real tokens.

        Returns:
            (B, L, C) last hidden state (C = 768 for BERT-base), the (B, L) bool mask and a
            (B, C) sentence feature (the [CLS] state; the pooler is removed as in LAVT), the
            text-encoder contract of ``RISSegmentor``.
        """
        if text_ids.max() >= self.bert.config.vocab_size:
            raise ValueError(
                f"Token id {int(text_ids.max())} >= BERT vocab size {self.bert.config.vocab_size}."
            )
        mask = text_mask.bool()
        hidden = self.bert(input_ids=text_ids, attention_mask=mask.long()).last_hidden_state
        return hidden, mask, hidden[:, 0]
