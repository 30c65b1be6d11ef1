"""Tokenisation of the expression inside the data pipeline."""

from __future__ import annotations

import warnings

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
        all_sentences: also tokenize every sentence of the ref (``results['texts']``), for a
            SemiRES teacher that averages over them (``teacher_all_sentences``); pack them with
            ``PackRISInputs(extra_data_keys=('all_text_ids', 'all_text_mask'))``.

    Adds:
        text_ids: (L,) int64.  text_mask: (L,) bool, True on real tokens.
        text_truncated, text_no_known_word: bool, when the tokenizer reports ``last_stats``:
            the expression lost tokens to ``max_length`` / none of its words is in the
            vocabulary. The first such sample of a process raises a Python warning naming it;
            ``TextCoverageHook`` counts them over a run (packed as metainfo keys).
        all_text_ids, all_text_mask: (K, L), K sentences of the ref (``all_sentences`` only).
    """

    def __init__(
        self, tokenizer: dict | object, max_length: int, all_sentences: bool = False
    ) -> None:
        if max_length < 1:
            raise ValueError(f"TokenizeText: max_length must be >= 1, got {max_length}.")
        self.tokenizer = TOKENIZERS.build(tokenizer) if isinstance(tokenizer, dict) else tokenizer
        self.max_length = max_length
        self.all_sentences = all_sentences
        self._warned: set[str] = set()  # flag kinds already warned about in this process

    def _tokenize(self, text: str, results: dict, sent_id) -> tuple[np.ndarray, np.ndarray]:
        """(L,) ids and mask of ``text``; a ValueError names the sample if it cannot be."""
        try:
            ids, mask = self.tokenizer(text, self.max_length)
        except ValueError as err:
            where = {k: results[k] for k in ("img_path", "ref_id") if k in results}
            if sent_id is not None:
                where["sent_id"] = sent_id
            raise ValueError(f"TokenizeText failed for sample {where}: {err}") from err
        return np.asarray(ids, dtype=np.int64), np.asarray(mask, dtype=bool)

    def transform(self, results: dict) -> dict:
        """Tokenize ``results['text']`` (and ``texts``); raises ValueError naming the sample if
        a sentence is empty."""
        results["text_ids"], results["text_mask"] = self._tokenize(
            results.get("text"), results, results.get("sent_id")
        )
        stats = getattr(self.tokenizer, "last_stats", None)
        if stats is not None:
            results["text_truncated"] = bool(stats.truncated)
            results["text_no_known_word"] = bool(stats.no_known_word)
            if stats.truncated or stats.no_known_word:
                self._warn_once(results, stats)
        if self.all_sentences:
            texts = results.get("texts")
            if not texts:
                raise ValueError(
                    f"TokenizeText(all_sentences=True): no 'texts' for ref_id="
                    f"{results.get('ref_id')} ({results.get('img_path')})."
                )
            sent_ids = results.get("sent_ids") or [None] * len(texts)
            if len(sent_ids) != len(texts):
                raise ValueError(
                    f"TokenizeText(all_sentences=True): ref_id={results.get('ref_id')}"
                    f" has {len(texts)} sentences but {len(sent_ids)} sent_ids."
                )
            pairs = [
                self._tokenize(t.strip() if isinstance(t, str) else t, results, sid)
                for t, sid in zip(texts, sent_ids, strict=True)
            ]
            results["all_text_ids"] = np.stack([ids for ids, _ in pairs])
            results["all_text_mask"] = np.stack([mask for _, mask in pairs])
        return results

    def _warn_once(self, results: dict, stats) -> None:
        """Warn about the first truncated and the first all-unknown expression of the process."""
        where = {k: results[k] for k in ("img_path", "ref_id", "sent_id") if k in results}
        for kind, flagged, what in (
            (
                "truncated",
                stats.truncated,
                f"has {stats.n_tokens} tokens and was truncated to max_length={self.max_length}",
            ),
            (
                "no_known_word",
                stats.no_known_word,
                "has no word in the tokenizer's vocabulary (all tokens are unknown), so its mask "
                "does not depend on the text",
            ),
        ):
            if flagged and kind not in self._warned:
                self._warned.add(kind)
                warnings.warn(
                    f"TokenizeText: the expression {results.get('text')!r} {what} "
                    f"({where}); further cases are only counted (TextCoverageHook).",
                    stacklevel=2,
                )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(tokenizer={type(self.tokenizer).__name__}, "
            f"max_length={self.max_length}, all_sentences={self.all_sentences})"
        )
