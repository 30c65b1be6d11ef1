"""The text-prompted mask generator: a tiny random SAM 3 (transformers ``Sam3Model``)."""

import numpy as np
import pytest
import torch

from risseg.foundation import HFSam3Generator, TextMaskGenerator
from risseg.registry import FOUNDATION_MODELS
from risseg.testing.tiny_sam import tiny_hf_sam3

H, W = 24, 32
PHRASES = ["red car", "dog", "the small cup"]


def _image():
    return np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8)


def _build(score_thresh=0.0):
    model, processor = tiny_hf_sam3()
    return FOUNDATION_MODELS.build(
        dict(type="HFSam3Generator", model=model, processor=processor, score_thresh=score_thresh)
    )


@pytest.fixture(scope="module")
def sam3():
    return _build()


def test_all_instances_of_every_phrase(sam3):
    assert isinstance(sam3, TextMaskGenerator)
    pairs = sam3.segment(_image(), PHRASES)
    assert len(pairs) == len(PHRASES)
    for masks, scores in pairs:
        assert masks.dtype == torch.bool and masks.shape == (8, H, W)  # 8 queries, none cut
        assert scores.shape == (8,) and torch.all(scores[:-1] >= scores[1:])
    assert not torch.equal(pairs[0][1], pairs[1][1])  # the phrase reaches the model


def test_phrases_in_one_call_match_one_at_a_time(sam3):
    together = sam3.segment(_image(), PHRASES)
    for phrase, (masks, scores) in zip(PHRASES, together, strict=True):
        ((m1, s1),) = sam3.segment(_image(), [phrase])
        torch.testing.assert_close(s1, scores, atol=1e-5, rtol=1e-5)
        assert (m1 != masks).float().mean() < 0.01


def test_score_threshold_drops_instances():
    scores = _build(0.0).segment(_image(), PHRASES[:1])[0][1]
    cut = float(scores.median())
    masks, kept = _build(cut).segment(_image(), PHRASES[:1])[0]
    assert len(kept) == int((scores > cut).sum()) < len(scores) and len(masks) == len(kept)
    masks, kept = _build(1.0).segment(_image(), PHRASES[:1])[0]
    assert masks.shape == (0, H, W) and kept.shape == (0,)


def test_deterministic():
    a, b = (_build().segment(_image(), PHRASES[:1])[0] for _ in range(2))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_bad_input_is_refused(sam3):
    with pytest.raises(ValueError, match="phrases"):
        sam3.segment(_image(), [])
    with pytest.raises(ValueError, match="uint8"):
        sam3.segment(_image().astype(np.float32), PHRASES)


def test_loads_a_local_folder(tmp_path):
    model, processor = tiny_hf_sam3()
    model.save_pretrained(tmp_path / "sam3")
    processor.save_pretrained(tmp_path / "sam3")
    loaded = HFSam3Generator(path=str(tmp_path / "sam3"), score_thresh=0.0)
    a = loaded.segment(_image(), PHRASES[:1])[0]
    b = HFSam3Generator(model, processor, score_thresh=0.0).segment(_image(), PHRASES[:1])[0]
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(FileNotFoundError, match="SAM 3.*SAM License"):
        HFSam3Generator(path=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="not a local path"):
        HFSam3Generator(path="https://huggingface.co/facebook/sam3")
