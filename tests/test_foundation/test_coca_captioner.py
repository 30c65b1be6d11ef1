"""OpenCoCaCaptioner on a tiny random open_clip CoCa, and the decoding loops on toy models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from risseg.foundation.captioner import beam_search, sample_loop
from risseg.foundation.coca_captioner import EOS_ID, SOT_ID, OpenCoCaCaptioner
from risseg.registry import FOUNDATION_MODELS
from risseg.testing.tiny_open_clip import register_tiny_open_clip

NAME = "risseg-tiny-coca"


@pytest.fixture(scope="module")
def captioner(tmp_path_factory):
    register_tiny_open_clip()
    cap = OpenCoCaCaptioner(NAME, None)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # open_clip initialises the decoder's projection to 0s: randomise all
        for p in cap.model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    return cap


def _images(n, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randint(0, 255, (40, 30 + 5 * i, 3), dtype=np.uint8) for i in range(n)]


def _trim(row):
    row = row.tolist()
    return row[: row.index(EOS_ID) + 1]


def test_registered():
    assert FOUNDATION_MODELS.get("OpenCoCaCaptioner") is OpenCoCaCaptioner


@pytest.mark.parametrize("strategy", ["greedy", "top_k", "top_p", "beam_search"])
def test_tokens_lengths_and_text(captioner, strategy):
    images = _images(3)
    tokens = captioner.generate_tokens(
        images,
        strategy=strategy,
        top_k=5,
        top_p=0.5,
        max_len=10,
        min_len=4,
        num_beams=2,
        generator=torch.Generator().manual_seed(1),
    )
    assert tokens.shape[0] == 3 and tokens.shape[1] <= 10
    assert (tokens[:, 0] == SOT_ID).all()
    for row in tokens:
        trimmed = _trim(row)  # every row ends (forced at max_len at the latest)
        assert len(trimmed) >= 5  # no end token before the prefix has min_len tokens
    captions = captioner.decode_tokens(tokens)
    assert len(captions) == 3 and all(isinstance(c, str) and c for c in captions)
    assert captions == captioner.caption(
        images,
        strategy=strategy,
        top_k=5,
        top_p=0.5,
        max_len=10,
        min_len=4,
        num_beams=2,
        generator=torch.Generator().manual_seed(1),
    )


@pytest.mark.parametrize("strategy", ["greedy", "beam_search"])
def test_batch_consistency(captioner, strategy):
    images = _images(3)
    together = captioner.generate_tokens(images, strategy=strategy, max_len=8, num_beams=3)
    for i, image in enumerate(images):
        alone = captioner.generate_tokens([image], strategy=strategy, max_len=8, num_beams=3)
        assert _trim(together[i]) == _trim(alone[0])


def test_sampling_is_seeded(captioner):
    images = _images(2)
    runs = [
        captioner.generate_tokens(
            images,
            strategy="top_k",
            top_k=50,
            max_len=12,
            generator=torch.Generator().manual_seed(s),
        )
        for s in (0, 0, 1)
    ]
    assert torch.equal(runs[0], runs[1])
    assert not torch.equal(runs[0], runs[2])


def test_logits_processor_sees_every_crop(captioner):
    images, seen = _images(3), []
    forced = 320  # any ordinary token id

    def processor(step, logits, state):
        seen.append((step, logits.shape[0], state.image_index.tolist()))
        # the state's decoder reproduces the rows' logits, for any image pairing
        again = state.decode(state.tokens, state.image_index)
        torch.testing.assert_close(again, state.raw_logits)
        other = state.decode(state.tokens[:1].expand(3, -1), torch.arange(3))
        assert other.shape == (3, state.raw_logits.shape[1])
        assert state.image_latent.shape[0] == 3
        if step == 0:
            logits = torch.full_like(logits, -float("inf"))
            logits[:, forced] = 0.0
        return logits

    for strategy in ("top_k", "beam_search"):
        seen.clear()
        tokens = captioner.generate_tokens(
            images, strategy=strategy, top_k=3, max_len=6, num_beams=2, logits_processor=[processor]
        )
        assert (tokens[:, 1] == forced).all()
        rows = 3 if strategy == "top_k" else 6
        assert seen[0] == (0, rows, [0, 1, 2] if rows == 3 else [0, 0, 1, 1, 2, 2])


def test_loads_a_local_checkpoint(captioner, tmp_path):
    path = tmp_path / "coca.pt"
    torch.save(captioner.model.state_dict(), path)
    loaded = OpenCoCaCaptioner(NAME, path)
    images = _images(2)
    assert torch.equal(
        loaded.generate_tokens(images, strategy="greedy", max_len=8),
        captioner.generate_tokens(images, strategy="greedy", max_len=8),
    )
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        OpenCoCaCaptioner(NAME, tmp_path / "missing.pt")


def test_bad_arguments(captioner):
    with pytest.raises(ValueError, match="strategy"):
        captioner.caption(_images(1), strategy="nucleus")
    with pytest.raises(ValueError, match="context"):
        captioner.caption(_images(1), max_len=200)


class ToyLM:
    """Next-token logits that depend on the image and the last token (V = 4; 3 = end)."""

    def __init__(self, n_images, seed=0):
        gen = torch.Generator().manual_seed(seed)
        self.table = torch.randn(n_images, 4, 4, generator=gen) * 2

    def __call__(self, tokens, image_index):
        return self.table[image_index, tokens[:, -1]]


def _brute_force_best(lm, image, max_len, min_len, score):
    best, best_seq = -float("inf"), None
    for length in range(1, max_len):  # generated tokens before the end token
        for body in itertools.product(range(3), repeat=length - 1):
            seq = [0, *body]  # 0 = start
            total = 0.0
            for t in range(1, len(seq) + 1):
                logits = lm(torch.tensor([seq[:t]]), torch.tensor([image]))[0].clone()
                if t < min_len:
                    logits[3] = -float("inf")
                step = logits if score == "logits" else torch.log_softmax(logits, -1)
                total += float(step[seq[t]] if t < len(seq) else step[3])
            if t == len(seq) and len(seq) < max_len and total / len(seq) > best:
                best, best_seq = total / len(seq), seq + [3]
    return best_seq


@pytest.mark.parametrize("score", ["logits", "log_softmax"])
def test_wide_beam_search_is_exhaustive(score):
    lm = ToyLM(2)
    out = beam_search(
        lm,
        torch.zeros(2, 1),
        sot_id=0,
        eos_id=3,
        pad_id=3,
        num_beams=64,
        max_len=5,
        min_len=2,
        score=score,
    )
    for i in range(2):
        assert _trim_toy(out[i]) == _brute_force_best(lm, i, 5, 2, score)


def _trim_toy(row):
    row = row.tolist()
    return row[: row.index(3) + 1]


def test_greedy_follows_argmax():
    lm = ToyLM(1, seed=3)
    out = sample_loop(
        lm, torch.zeros(1, 1), sot_id=0, eos_id=3, pad_id=3, max_len=6, min_len=1, strategy="greedy"
    )[0].tolist()
    expected, last = [0], 0
    while len(expected) < 6 and last != 3:
        nxt = 3 if len(expected) == 5 else int(lm.table[0, last].argmax())
        expected.append(nxt)
        last = nxt
    assert out[: len(expected)] == expected
