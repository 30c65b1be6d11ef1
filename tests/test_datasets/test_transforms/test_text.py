"""TokenizeText: output dtypes and shapes; errors name the sample."""

from __future__ import annotations

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
