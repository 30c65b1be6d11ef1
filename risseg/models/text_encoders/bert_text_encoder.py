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
    The weights come from ``pretrained``, a local directory in HuggingFace format (never
    downloaded; ``local_files_only``), or, without it, are randomly initialised from
    ``config``, a ``BertConfig`` keyword dict (tests, SynthRef). Given both, ``config`` states
    the architecture the checkpoint must have: a differing value is an error naming the key
    (so a toy config can point at its own pretrained weights with one option).

    Which layers are *optimised* is decided by the optimizer-wrapper constructor
    (``LAVTOptimWrapperConstructor`` keeps BERT layers 0-9 only, as LAVT does).

    Args:
        pretrained: local directory with ``config.json`` and the weights.
        config: ``BertConfig`` keyword arguments, e.g. ``dict(hidden_size=32, ...)``; with
            ``pretrained``, the values the checkpoint's config must match.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        pretrained: str | None = None,
        config: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if pretrained is None and config is None:
            raise ValueError("Give `pretrained` (a local dir), `config`, or both.")
        if pretrained is not None:
            self.bert = BertModel.from_pretrained(
                pretrained, add_pooling_layer=False, local_files_only=True
            )
            loaded = self.bert.config.to_dict()
            for key, value in (config or {}).items():
                if loaded.get(key) != value:
                    raise ValueError(
                        f"BertTextEncoder: {pretrained} has {key}={loaded.get(key)!r}, "
                        f"the config asks for {value!r}."
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
