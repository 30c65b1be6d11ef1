"""Tokenisation of the expression inside the data pipeline."""

from __future__ import annotations

import numpy as np
from mmcv.transforms import BaseTransform

from risseg.registry import TOKENIZERS, TRANSFORMS


@TRANSFORMS.register_module()
class TokenizeText(BaseTransform):
    """Tokenize ``results['text']`` into fixed-length ids and a padding mask.

    Must run after every transform that edits the text (``RandomFlip`` swaps left/right).

    Args:
        tokenizer: a TOKENIZERS config (e.g. ``dict(type='BertTokenizer', vocab=...)``) or a
            built tokenizer with the interface ``tokenizer(text, max_length) -> (ids, mask)``.
        max_length: L, the number of tokens (LAVT 20, SeqTR 15/20, CRIS 17, TRIS 20).

    Adds:
        text_ids: (L,) int64.  text_mask: (L,) bool, True on real tokens.
    """

    def __init__(self, tokenizer: dict | object, max_length: int) -> None:
        if max_length < 1:
            raise ValueError(f"TokenizeText: max_length must be >= 1, got {max_length}.")
        self.tokenizer = TOKENIZERS.build(tokenizer) if isinstance(tokenizer, dict) else tokenizer
        self.max_length = max_length

    def transform(self, results: dict) -> dict:
        """Tokenize ``results['text']``; raises ValueError naming the sample if it is empty."""
        text = results.get("text")
        try:
            ids, mask = self.tokenizer(text, self.max_length)
        except ValueError as err:
            where = {k: results[k] for k in ("img_path", "ref_id", "sent_id") if k in results}
            raise ValueError(f"TokenizeText failed for sample {where}: {err}") from err
        results["text_ids"] = np.asarray(ids, dtype=np.int64)
        results["text_mask"] = np.asarray(mask, dtype=bool)
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(tokenizer={type(self.tokenizer).__name__}, "
            f"max_length={self.max_length})"
        )
