"""Tokenizers: fixed length, padding mask, special tokens, truncation modes, bad input."""

from __future__ import annotations

import json

import pytest

from risseg.datasets.tokenizers import BertTokenizer, CLIPTokenizer, WordVocabTokenizer
from risseg.registry import TOKENIZERS

BERT_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "man", "on", "left", "##s"]


@pytest.fixture(scope="module")
def clip_tokenizers():
    return CLIPTokenizer(mode="truncate"), CLIPTokenizer(mode="slice")


@pytest.fixture
def bert_vocab(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(BERT_WORDS) + "\n")
    return str(path)


def test_word_vocab_cleaning_unk_and_padding(tmp_path):
    vocab_file = tmp_path / "words.json"
    vocab_file.write_text(json.dumps(["man", "left", "on"]))
    tok = TOKENIZERS.build(dict(type="WordVocabTokenizer", vocab=str(vocab_file)))
    # PAD=0 UNK=1 CLS=2 man=3 left=4 on=5; "Man-on/the" -> man on the; "LEFT!" -> left
    ids, mask = tok("Man-on/the  LEFT!", 6)
    assert ids == [3, 5, 1, 4, 0, 0]
    assert mask == [True, True, True, True, False, False]
    assert tok.vocab_size == 6


def test_word_vocab_cls_and_truncation():
    tok = WordVocabTokenizer(["a", "b"], add_cls=True)
    ids, mask = tok("a b a b a", 3)
    assert ids == [2, 3, 4] and mask == [True] * 3


def test_word_vocab_dict_must_have_specials():
    with pytest.raises(ValueError, match="PAD"):
        WordVocabTokenizer({"man": 0, "UNK": 1})


def test_word_vocab_text_with_only_punctuation():
    with pytest.raises(ValueError, match="no words"):
        WordVocabTokenizer(["a"])("?!", 4)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_raises_naming_text(text, bert_vocab, clip_tokenizers):
    for tok in (WordVocabTokenizer(["a"]), BertTokenizer(bert_vocab), clip_tokenizers[0]):
        with pytest.raises(ValueError, match="empty expression"):
            tok(text, 5)


def test_bert_special_tokens_and_mask(bert_vocab):
    ids, mask = BertTokenizer(bert_vocab)("The man", 6)
    assert ids == [2, 5, 6, 3, 0, 0]
    assert mask == [True, True, True, True, False, False]


def test_bert_truncate_keeps_sep_slice_cuts_it(bert_vocab):
    text = "the man on the lefts zebra"  # [CLS] the man on the left ##s [UNK] [SEP]
    ids_t, mask_t = BertTokenizer(bert_vocab, mode="truncate")(text, 6)
    ids_s, mask_s = BertTokenizer(bert_vocab, mode="slice")(text, 6)
    assert ids_t == [2, 5, 6, 7, 5, 3]
    assert ids_s == [2, 5, 6, 7, 5, 8]  # LAVT: first 6 tokens, [SEP] lost
    assert all(mask_t) and all(mask_s)


def test_bert_loads_directory(bert_vocab, tmp_path):
    ids, _ = BertTokenizer(str(tmp_path))("the man", 4)
    assert ids == [2, 5, 6, 3]


def test_bert_missing_vocab_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        BertTokenizer(str(tmp_path / "bert-base-uncased"))


def test_clip_short_text_identical_in_both_modes(clip_tokenizers):
    trunc, sliced = clip_tokenizers
    ids, mask = trunc("the man on the left", 10)
    assert ids == sliced("the man on the left", 10)[0]
    n = sum(mask)
    assert ids[0] == trunc.sot_id and ids[n - 1] == trunc.eot_id
    assert ids[n:] == [0] * (10 - n) and mask == [True] * n + [False] * (10 - n)


def test_clip_truncate_keeps_eot_slice_drops_it(clip_tokenizers):
    trunc, sliced = clip_tokenizers
    text = " ".join(["red"] * 30)
    ids_t, mask_t = trunc(text, 8)
    ids_s, mask_s = sliced(text, 8)
    assert ids_t[-1] == trunc.eot_id and ids_s[-1] != trunc.eot_id
    assert ids_t[:7] == ids_s[:7]
    assert all(mask_t) and all(mask_s)
    assert trunc.eot_id not in ids_s


def test_clip_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        CLIPTokenizer(mode="cut")


def test_truncation_logged_once_at_debug(monkeypatch):
    import risseg.datasets.tokenizers as module

    calls = []
    monkeypatch.setattr(module, "print_log", lambda msg, **kw: calls.append((msg, kw["level"])))
    tok = WordVocabTokenizer(["a"])
    tok("a a a a", 2)
    tok("a a a a a", 2)
    tok("a", 2)
    assert len(calls) == 1 and calls[0][1] == 10 and "truncated to 2" in calls[0][0]


def test_word_vocab_stats():
    tok = WordVocabTokenizer(["man", "left"], add_cls=True)
    tok("the man on the left", 4)
    assert tok.last_stats == (6, True, False)  # CLS + 5 words
    tok("zebra giraffe", 4)
    assert tok.last_stats == (3, False, True)
    tok("man", 4)
    assert tok.last_stats == (2, False, False)


def test_bert_stats(bert_vocab):
    tok = BertTokenizer(bert_vocab)
    tok("the man on the lefts zebra", 6)  # [CLS] the man on the left ##s [UNK] [SEP]
    assert tok.last_stats == (9, True, False)
    tok("zebra giraffe", 6)  # [CLS] [UNK] [UNK] [SEP]
    assert tok.last_stats == (4, False, True)


def test_clip_stats(clip_tokenizers):
    trunc, sliced = clip_tokenizers
    for tok in clip_tokenizers:
        tok(" ".join(["red"] * 30), 8)
        assert tok.last_stats == (32, True, False)
        tok("xqzv wpjk", 8)  # byte-level BPE knows every string
        assert tok.last_stats.truncated is False and tok.last_stats.no_known_word is False
