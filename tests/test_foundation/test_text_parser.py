"""SpacyTextParser on real sentences with the installed small English pipeline."""

from __future__ import annotations

import pytest
import torch

from risseg.foundation.text_parser import COCO_CLASS_NAMES, SpacyTextParser
from risseg.registry import FOUNDATION_MODELS


class StubEncoder:
    """encode_texts: a fixed vector per last word of the prompt (unknown words: zeros)."""

    VECTORS = {
        "person": [1.0, 0, 0],
        "man": [0.9, 0.1, 0],
        "guy": [0.8, 0, 0.2],
        "dog": [0, 1.0, 0],
        "puppy": [0.1, 0.9, 0],
        "cat": [0, 0, 1.0],
    }

    def __init__(self):
        self.calls = []

    def encode_texts(self, texts):
        self.calls.append(list(texts))
        return torch.tensor([self.VECTORS.get(t.split()[-1], [0.0, 0, 0]) for t in texts])


@pytest.fixture(scope="module")
def parser():
    return SpacyTextParser(text_encoder=StubEncoder(), class_names=["person", "dog", "cat"])


def test_registered():
    assert FOUNDATION_MODELS.get("SpacyTextParser") is SpacyTextParser
    assert len(COCO_CLASS_NAMES) == 80


def test_noun_chunks_and_head_noun(parser):
    text = "the man in the red shirt on the left"
    assert parser.noun_chunks(text) == ["the man", "the red shirt"]
    assert parser.head_noun(text) == "man"
    assert parser.head_noun("a woman holding an umbrella") == "woman"


def test_subject_nouns(parser):
    assert parser.subject_nouns("man in the red shirt on the left") == ["man"]
    assert parser.subject_nouns("the dog next to the sofa") == ["dog"]


def test_projection_and_most_likely_noun(parser):
    assert parser.project(["guy", "puppy", "man"]) == ["person", "dog", "person"]
    assert parser.project([]) == []
    sentences = ["guy on the left", "puppy next to the fence", "the man in red"]
    assert parser.projected_nouns(sentences) == [["person"], ["dog"], ["person"]]
    assert parser.most_likely_noun(sentences) == "person"
    assert parser.most_likely_noun(["puppy on the left", "guy on the right"]) == "dog"  # tie
    assert parser.most_likely_noun([]) == "object"
    assert parser.most_likely_noun(["puppy on the left"], project=False) == "puppy"
    # prompts carry S+S+C's context
    assert parser.encode.__self__.calls[0][0] == "a photo of a person"


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_spacy_model"):
        SpacyTextParser(str(tmp_path / "no_spacy_model"))
    with pytest.raises(ValueError, match="text_encoder"):
        SpacyTextParser().project(["man"])
