"""Tokenizers that turn one expression into fixed-length token ids and a padding mask.

Every tokenizer shares one interface, ``tokenizer(text, max_length) -> (ids, mask)``, with
``ids`` a list of ``max_length`` ints (padded with the tokenizer's pad id) and ``mask`` a list
of ``max_length`` bools, True on real tokens. Three families are provided:

- :class:`WordVocabTokenizer`: whole words looked up in a vocabulary (SeqTR, GloVe-style).
- :class:`BertTokenizer`: WordPiece from a LOCAL BERT vocabulary (LAVT, SemiRES, S+S+C).
- :class:`CLIPTokenizer`: CLIP's byte-pair encoding bundled with open_clip (CRIS, TRIS).

After each call a tokenizer's ``last_stats`` (:class:`TokenStats`) says whether the expression
was truncated and whether none of its tokens was known (all UNK), so ``TokenizeText`` can flag
such samples instead of silently segmenting from them.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
from collections.abc import Sequence
from typing import NamedTuple

from mmengine.logging import print_log

from risseg.registry import TOKENIZERS

_PUNCTUATION = re.compile(r"[.,'!?\"()*#:;]")


class TokenStats(NamedTuple):
    """What happened to the last expression a tokenizer encoded.

    Attributes:
        n_tokens: tokens of the full encoding (special tokens included), before truncation.
        truncated: tokens were dropped to fit ``max_length`` (or CLIP's context length).
        no_known_word: every word / word piece is the unknown token (the ids carry no text).
    """

    n_tokens: int
    truncated: bool
    no_known_word: bool


def _check_text(text: str, name: str) -> str:
    """Raise a clear error for missing or blank expressions; returns the text."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name}: cannot tokenize an empty expression (got {text!r}).")
    return text


class _LogOnce:
    """Logs the first over-long expression a tokenizer truncates, at debug level."""

    def __init__(self) -> None:
        self._logged = False

    def __call__(self, name: str, text: str, n_tokens: int, max_length: int) -> None:
        if not self._logged:
            self._logged = True
            print_log(
                f"{name}: expression with {n_tokens} tokens truncated to {max_length} "
                f"(first case: {text!r}); further truncations are not logged.",
                logger="current",
                level=10,  # logging.DEBUG
            )


def _pad(ids: list[int], n_real: int, max_length: int, pad_id: int) -> tuple[list[int], list[bool]]:
    """Pad ``ids`` to ``max_length`` and build the mask (True on the first ``n_real``)."""
    ids = ids + [pad_id] * (max_length - len(ids))
    mask = [i < n_real for i in range(max_length)]
    return ids, mask


@TOKENIZERS.register_module()
class WordVocabTokenizer:
    """Whole-word tokenizer over a fixed vocabulary, as SeqTR's word-embedding pipeline.

    The text is lower-cased, the characters ``. , ' ! ? " ( ) * # : ;`` are removed, ``-`` and
    ``/`` become spaces, and the result is split on whitespace. Unknown words map to UNK.
    Special tokens: PAD = 0, UNK = 1, CLS = 2.

    Args:
        vocab: a JSON file holding either a list of words or a ``{word: id}`` dict, or such a
            list/dict itself. A list gets the special tokens prepended (unless it already
            starts with them); a dict must map PAD to 0 and UNK to 1.
        add_cls: put CLS before the first word (SeqTR does not).
    """

    PAD, UNK, CLS = "PAD", "UNK", "CLS"

    def __init__(self, vocab: str | Sequence[str] | dict[str, int], add_cls: bool = False) -> None:
        if isinstance(vocab, (str, os.PathLike)):
            if not os.path.isfile(vocab):
                raise FileNotFoundError(f"WordVocabTokenizer: vocabulary file {vocab} not found.")
            with open(vocab, encoding="utf-8") as f:
                vocab = json.load(f)
        self.token2idx = self._build_index(vocab)
        self.add_cls = add_cls
        self._log_truncation = _LogOnce()
        self.last_stats: TokenStats | None = None

    @classmethod
    def _build_index(cls, vocab: Sequence[str] | dict[str, int]) -> dict[str, int]:
        specials = [cls.PAD, cls.UNK, cls.CLS]
        if isinstance(vocab, dict):
            if vocab.get(cls.PAD) != 0 or vocab.get(cls.UNK) != 1:
                raise ValueError(
                    "WordVocabTokenizer: a dict vocabulary must map PAD to 0, UNK to 1."
                )
            return dict(vocab)
        words = list(vocab)
        if words[:3] != specials:
            words = specials + [w for w in words if w not in specials]
        return {w: i for i, w in enumerate(words)}

    @property
    def vocab_size(self) -> int:
        """Number of ids (max id + 1)."""
        return max(self.token2idx.values()) + 1

    @staticmethod
    def split_words(text: str) -> list[str]:
        """Clean and split an expression into words (SeqTR's rule)."""
        text = _PUNCTUATION.sub("", text.lower()).replace("-", " ").replace("/", " ")
        return text.split()

    def __call__(self, text: str, max_length: int) -> tuple[list[int], list[bool]]:
        """Tokenize one expression.

        Args:
            text: the expression.
            max_length: L, the fixed output length.

        Returns:
            ids (L,) and mask (L,), True on real tokens.
        """
        words = self.split_words(_check_text(text, type(self).__name__))
        if not words:
            raise ValueError(f"WordVocabTokenizer: no words left in {text!r} after cleaning.")
        unk = self.token2idx[self.UNK]
        ids = [self.token2idx.get(w, unk) for w in words]
        no_known_word = all(i == unk for i in ids)
        if self.add_cls:
            ids = [self.token2idx[self.CLS]] + ids
        self.last_stats = TokenStats(len(ids), len(ids) > max_length, no_known_word)
        if len(ids) > max_length:
            self._log_truncation(type(self).__name__, text, len(ids), max_length)
            ids = ids[:max_length]
        return _pad(ids, len(ids), max_length, self.token2idx[self.PAD])


@TOKENIZERS.register_module()
class BertTokenizer:
    """BERT WordPiece tokenizer loaded from a local vocabulary: ``[CLS] ... [SEP] [PAD]...``.

    Wraps ``transformers.BertTokenizerFast``; nothing is downloaded.

    Args:
        vocab: a ``vocab.txt`` file, or a directory holding a saved HuggingFace tokenizer
            (e.g. a local copy of ``bert-base-uncased``).
        mode: what happens to over-long expressions. ``'truncate'`` keeps ``[SEP]`` as the
            last token (HuggingFace truncation); ``'slice'`` takes the first ``max_length``
            tokens of the full encoding, which drops ``[SEP]`` as LAVT, S+S+C and SemiRES do.
        do_lower_case: lower-case before WordPiece (True for uncased models).
    """

    def __init__(self, vocab: str, mode: str = "truncate", do_lower_case: bool = True) -> None:
        from transformers import BertTokenizerFast

        if mode not in ("truncate", "slice"):
            raise ValueError(f"BertTokenizer: mode must be 'truncate' or 'slice', got {mode!r}.")
        if os.path.isdir(vocab):
            self.tokenizer = BertTokenizerFast.from_pretrained(
                vocab, local_files_only=True, do_lower_case=do_lower_case
            )
        elif os.path.isfile(vocab):
            self.tokenizer = _bert_from_vocab_file(BertTokenizerFast, vocab, do_lower_case)
        else:
            raise FileNotFoundError(
                f"BertTokenizer: vocabulary {vocab} is neither a vocab.txt file nor a directory "
                "(risseg never downloads tokenizers; point the config to a local copy)."
            )
        self.mode = mode
        self._log_truncation = _LogOnce()
        self.last_stats: TokenStats | None = None

    def __call__(self, text: str, max_length: int) -> tuple[list[int], list[bool]]:
        """Tokenize one expression; returns ids (L,) and mask (L,) with L = ``max_length``."""
        text = _check_text(text, type(self).__name__)
        ids = self.tokenizer(text, add_special_tokens=True)["input_ids"]
        unk = self.tokenizer.unk_token_id
        self.last_stats = TokenStats(
            len(ids), len(ids) > max_length, all(i == unk for i in ids[1:-1])
        )  # inside [CLS] .. [SEP]
        if len(ids) > max_length:
            self._log_truncation(type(self).__name__, text, len(ids), max_length)
            sep = ids[-1]
            ids = ids[:max_length]
            if self.mode == "truncate":
                ids[-1] = sep
        return _pad(ids, len(ids), max_length, self.tokenizer.pad_token_id)


def _bert_from_vocab_file(cls: type, path: str, do_lower_case: bool):
    """Build a BERT tokenizer from one vocab.txt under transformers 4.x and 5.x.

    transformers 4 takes ``vocab_file=``; 5 takes ``vocab=`` and silently ignores
    ``vocab_file``, leaving a 5-token vocabulary. The size check catches any such drift.
    """
    params = inspect.signature(cls.__init__).parameters
    key = "vocab_file" if "vocab_file" in params else "vocab"
    tokenizer = cls(**{key: path}, do_lower_case=do_lower_case)
    with open(path, encoding="utf-8") as f:
        n_words = sum(1 for line in f if line.rstrip("\n"))
    if len(tokenizer) != n_words:
        raise RuntimeError(
            f"BertTokenizer: loaded {len(tokenizer)} tokens from {path}, which has {n_words} lines."
        )
    return tokenizer


@functools.lru_cache(maxsize=1)
def _clip_bpe():
    """open_clip's BPE tokenizer, loaded once per process (reading the merges takes ~1 s)."""
    from open_clip.tokenizer import SimpleTokenizer

    return SimpleTokenizer()


@TOKENIZERS.register_module()
class CLIPTokenizer:
    """CLIP byte-pair-encoding tokenizer: ``<SOT> ... <EOT> 0...``.

    Uses the BPE merges bundled inside the open_clip package (no download).

    Args:
        mode: ``'truncate'`` keeps EOT as the last token of an over-long expression (CLIP's and
            CRIS's rule, needed because the sentence feature is read at the EOT position);
            ``'slice'`` takes the first ``max_length`` tokens of the 77-token encoding as TRIS
            does, which drops EOT for expressions longer than ``max_length - 2`` BPE tokens.
        context_length: length of the full encoding that ``'slice'`` cuts from (CLIP: 77).
    """

    def __init__(self, mode: str = "truncate", context_length: int = 77) -> None:
        if mode not in ("truncate", "slice"):
            raise ValueError(f"CLIPTokenizer: mode must be 'truncate' or 'slice', got {mode!r}.")
        self.tokenizer = _clip_bpe()
        self.mode = mode
        self.context_length = context_length
        self.sot_id = self.tokenizer.sot_token_id
        self.eot_id = self.tokenizer.eot_token_id
        self._log_truncation = _LogOnce()
        self.last_stats: TokenStats | None = None

    def __call__(self, text: str, max_length: int) -> tuple[list[int], list[bool]]:
        """Tokenize one expression; returns ids (L,) and mask (L,) with L = ``max_length``."""
        text = _check_text(text, type(self).__name__)
        ids = [self.sot_id] + self.tokenizer.encode(text) + [self.eot_id]
        limit = min(max_length, self.context_length) if self.mode == "slice" else max_length
        # byte-level BPE has no unknown token: every expression is fully known
        self.last_stats = TokenStats(
            len(ids), len(ids) > max_length or len(ids) > self.context_length, False
        )
        if len(ids) > max_length or len(ids) > self.context_length:
            self._log_truncation(type(self).__name__, text, len(ids), max_length)
        if self.mode == "slice":
            # The 77-token encoding keeps EOT at its end; slicing it then cuts from the front.
            full = ids[: self.context_length]
            if len(ids) > self.context_length:
                full[-1] = self.eot_id
            ids = full[:limit]
        elif len(ids) > max_length:
            ids = ids[:max_length]
            ids[-1] = self.eot_id
        return _pad(ids, len(ids), max_length, 0)
