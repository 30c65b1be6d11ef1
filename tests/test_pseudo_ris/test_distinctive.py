"""One distinctive-sampling step on hand-made logits against the formula."""

import torch

from risseg.foundation.captioner import DecodeState
from risseg.pseudo_ris.distinctive import DistinctiveSampling

EOS = 3


def state_for(raw_by_image, latent, done=None, image_index=None):
    """A DecodeState whose decoder returns ``raw_by_image[image]`` for any prefix."""
    n = latent.shape[0]
    image_index = torch.arange(n) if image_index is None else image_index
    calls = []

    def decode(tokens, idx):
        calls.append(idx.tolist())
        return raw_by_image[idx]

    tokens = torch.zeros(len(image_index), 2, dtype=torch.long)
    done = torch.zeros(len(image_index), dtype=torch.bool) if done is None else done
    raw = raw_by_image[image_index]
    return DecodeState(tokens, raw, raw, image_index, latent, done, decode), calls


def test_one_step_matches_the_formula():
    raw = torch.tensor(
        [[2.0, 1.0, 0.5, 0.2, -1.0], [0.0, 3.0, 1.0, 0.1, 0.5], [1.0, -2.0, 2.0, 0.3, 0.0]]
    )
    latent = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
    state, calls = state_for(raw, latent)
    filtered = raw.clone()
    filtered[0, 4] = filtered[1, 0] = filtered[2, 1] = -float("inf")  # outside top-k
    out = DistinctiveSampling(EOS)(0, filtered, state)
    sim = latent @ latent.T
    for i in range(3):
        others = [j for j in range(3) if j != i]
        contrast = filtered[i] - sum(sim[i, j] * raw[j] for j in others) / 2
        p = torch.softmax(contrast, -1)
        p[EOS] = torch.softmax(filtered[i], -1)[EOS]
        assert torch.allclose(out[i].exp(), p, atol=1e-6)
        assert torch.isinf(out[i][torch.isinf(filtered[i])]).all()
    assert calls == [[1, 2, 0, 2, 0, 1]]  # each row with every other mask, one batch


def test_finished_rows_and_out_of_range_mask_counts_are_unchanged():
    raw = torch.randn(3, 6)
    latent = torch.nn.functional.normalize(torch.randn(3, 4))
    state, _ = state_for(raw, latent, done=torch.tensor([False, True, False]))
    out = DistinctiveSampling(EOS)(0, raw.clone(), state)
    assert torch.equal(out[1], raw[1])
    assert not torch.allclose(out[0], raw[0])
    one, _ = state_for(raw[:1], latent[:1])
    assert torch.equal(DistinctiveSampling(EOS)(0, raw[:1].clone(), one), raw[:1])
    many, _ = state_for(raw, latent)
    assert torch.equal(DistinctiveSampling(EOS, max_masks=2)(0, raw.clone(), many), raw)
