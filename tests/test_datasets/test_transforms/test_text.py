"""TokenizeText: output dtypes and shapes, every sentence of a ref; errors name the sample."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from risseg.datasets.transforms import TokenizeText


def test_tokenize_text_types():
    t = TokenizeText(dict(type="WordVocabTokenizer", vocab=["man"]), max_length=5)
    out = t(dict(text="the man"))
    assert out["text_ids"].dtype == np.int64 and out["text_ids"].shape == (5,)
    assert out["text_mask"].dtype == bool and out["text_mask"].tolist() == [1, 1, 0, 0, 0]
    assert out["text_ids"].tolist() == [1, 3, 0, 0, 0]


def test_tokenize_empty_text_names_sample():
    t = TokenizeText(dict(type="WordVocabTokenizer", vocab=["man"]), max_length=5)
    with pytest.raises(ValueError, match="ref_id.*7"):
        t(dict(text="", ref_id=7, sent_id=3, img_path="x.jpg"))


def test_tokenize_all_sentences_of_the_ref():
    t = TokenizeText(
        dict(type="WordVocabTokenizer", vocab=["man", "red"]), max_length=4, all_sentences=True
    )
    out = t(dict(text="the man", texts=["the man", " red man "], sent_ids=[1, 2]))
    assert out["text_ids"].tolist() == [1, 3, 0, 0]
    assert out["all_text_ids"].shape == (2, 4) and out["all_text_ids"].dtype == np.int64
    assert out["all_text_ids"][0].tolist() == out["text_ids"].tolist()
    assert out["all_text_mask"].tolist() == [[1, 1, 0, 0], [1, 1, 0, 0]]
    assert "all_text_ids" not in TokenizeText(t.tokenizer, 4)(dict(text="man"))


def test_tokenize_all_sentences_names_the_empty_one():
    t = TokenizeText(
        dict(type="WordVocabTokenizer", vocab=["man"]), max_length=5, all_sentences=True
    )
    with pytest.raises(ValueError, match="ref_id.*7.*sent_id.*12"):
        t(dict(text="man", texts=["man", "  "], sent_ids=[11, 12], ref_id=7))
    with pytest.raises(ValueError, match="no 'texts' for ref_id=7"):
        t(dict(text="man", ref_id=7))
    with pytest.raises(ValueError, match="2 sentences but 1 sent_ids"):
        t(dict(text="man", texts=["man", "man"], sent_ids=[1], ref_id=7))


def test_truncated_and_unknown_expressions_are_flagged_and_warned_once():
    t = TokenizeText(dict(type="WordVocabTokenizer", vocab=["man", "red"]), max_length=3)
    out = t(dict(text="red man", ref_id=1))
    assert out["text_truncated"] is False and out["text_no_known_word"] is False
    with pytest.warns(UserWarning, match=r"'a red man on a horse'.*truncated to max_length=3"):
        out = t(dict(text="a red man on a horse", ref_id=2, img_path="x.jpg"))
    assert out["text_truncated"] is True and out["text_ids"].tolist() == [1, 4, 3]
    with pytest.warns(UserWarning, match=r"'zebra'.*no word in the tokenizer's vocabulary"):
        out = t(dict(text="zebra", ref_id=3))
    assert out["text_no_known_word"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # later cases are only counted
        assert t(dict(text="one two three four", ref_id=4))["text_truncated"] is True
        assert t(dict(text="giraffe", ref_id=5))["text_no_known_word"] is True


def test_tokenizers_without_stats_set_no_flags():
    t = TokenizeText(lambda text, n: ([1] * n, [True] * n), max_length=2)
    assert "text_truncated" not in t(dict(text="anything at all"))
