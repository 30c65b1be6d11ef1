"""Batched Pseudo-RIS decoding against the per-call loops and transformers' warpers."""

import numpy as np
import pytest
import torch
from transformers import TopKLogitsWarper, TopPLogitsWarper

from risseg.foundation import OpenCoCaCaptioner
from risseg.pseudo_ris import CaptionCandidates
from risseg.pseudo_ris.decoding import CoCaDecoder, candidates, unique_step
from risseg.pseudo_ris.distinctive import contrast_probs, distinctive_logprobs
from risseg.testing.tiny_open_clip import register_tiny_open_clip

EOS = 2


def dense(values, ids, vocab):
    """(R, V) logits with ``values`` at ``ids``, -inf elsewhere."""
    out = torch.full((len(values), vocab), -float("inf"))
    return out.scatter(1, ids, values)


def test_candidates_match_the_warpers_row_by_row():
    torch.manual_seed(0)
    logits = torch.randn(6, 300) * 3
    logits[0, EOS] = -float("inf")
    top_k = torch.tensor([1, 5, 13, 0, 0, 0])
    top_p = torch.tensor([1.0, 1.0, 1.0, 0.4, 0.8, 0.999])
    values, ids = candidates(logits, top_k, top_p, start=4)  # K grows for the wide nuclei
    got = dense(values, ids, 300)
    for r in range(6):
        warp = TopKLogitsWarper(int(top_k[r])) if top_k[r] else TopPLogitsWarper(float(top_p[r]))
        want = warp(None, logits[r : r + 1].clone())
        assert torch.equal(torch.isinf(got[r : r + 1]), torch.isinf(want)), r
    assert torch.isfinite(got[5]).sum() > 4
    with pytest.raises(ValueError, match="exactly one"):
        candidates(logits[:1], torch.tensor([3]), torch.tensor([0.5]))


def test_contrast_on_the_kept_tokens_matches_the_full_vocabulary_rule():
    torch.manual_seed(1)
    raw, other = torch.randn(4, 50), torch.randn(4, 2, 50)
    sim = torch.rand(4, 2)
    values, ids = candidates(raw, torch.tensor([3, 8, 0, 0]), torch.tensor([1, 1, 0.5, 0.9]))
    full = distinctive_logprobs(dense(values, ids, 50), other, sim, EOS).softmax(-1)
    mean_other = ((sim[..., None] * other).sum(1) / 2).gather(1, ids)
    part = contrast_probs(values, mean_other, ids == EOS)
    part = dense(part.log(), ids, 50).softmax(-1)
    assert torch.allclose(part, full, atol=1e-6)


@pytest.fixture(scope="module")
def coca():
    register_tiny_open_clip()
    model = OpenCoCaCaptioner("risseg-tiny-coca", None)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # open_clip's zero-initialised projections give all-equal logits
        for param in model.parameters():
            param.copy_(torch.randn(param.shape, generator=gen) * 0.3)
        model.model.text_decoder.text_projection.mul_(10)  # peaked: a tiny top-p keeps one
    return model


def test_decoder_logits_and_unique_step_equal_the_model_forward(coca):
    torch.manual_seed(2)
    latent, embs = coca.encode_images(torch.randn(3, 3, 32, 32))
    tokens = torch.randint(0, 1000, (5, 4))
    tokens[1] = tokens[3]
    index = torch.tensor([0, 2, 1, 2, 0])
    want = coca.step_fn(embs)(tokens, index)
    with torch.inference_mode():
        got = unique_step(CoCaDecoder(coca.model, embs).logits)(tokens, index)
    assert torch.allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("distinctive", [True, False])
def test_batched_candidates_equal_the_per_call_loop_when_deterministic(coca, distinctive):
    # top-k 1 and a tiny top-p keep one token: every implementation must draw the same words
    kw = dict(top_k=(1,), top_p=(0.001,), num_beams=2, max_len=6, min_len=2)
    img = (np.random.default_rng(0).random((24, 24, 3)) * 255).astype(np.uint8)
    masks = np.zeros((3, 24, 24), bool)
    masks[0, 2:10, 2:10] = masks[1, 12:20, 12:22] = masks[2, 0:6, 14:24] = True
    loop = CaptionCandidates(coca, distinctive=distinctive, batched=False, **kw)(img, masks)
    fast = CaptionCandidates(coca, distinctive=distinctive, **kw)
    assert fast.batched
    assert fast(img, masks, seed=3) == loop
    assert len(loop) == 3 and all(len(c) == 4 * 3 for c in loop)
