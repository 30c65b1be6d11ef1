import numpy as np
import pytest
import torch

from risseg.models.text_encoders import GRUTextEncoder


def batch():
    ids = torch.tensor([[5, 6, 7, 0, 0], [8, 9, 0, 0, 0]])
    return ids, ids > 0


def test_shapes_and_zero_padding():
    enc = GRUTextEncoder(vocab_size=20, embed_dim=4, hidden=3)
    words, mask, sent = enc(*batch())
    assert words.shape == (2, 5, 6) and sent.shape == (2, 6) and enc.out_channels == 6
    assert torch.equal(mask, batch()[1])
    assert (words[0, 3:] == 0).all() and (words[1, 2:] == 0).all()
    assert torch.allclose(sent[1], words[1, :2].amax(0))


def test_padding_tokens_do_not_change_features():
    enc = GRUTextEncoder(vocab_size=20, embed_dim=4, hidden=3).eval()
    ids, mask = batch()
    noisy = ids.clone()
    noisy[~mask] = 13  # garbage after the end of the expression
    a, b = enc(ids, mask), enc(noisy, mask)
    assert torch.allclose(a[0], b[0]) and torch.allclose(a[2], b[2])


def test_empty_expression_gives_zero_sentence():
    enc = GRUTextEncoder(vocab_size=20, embed_dim=4, hidden=3, bidirectional=False)
    ids = torch.zeros(1, 4, dtype=torch.long)
    words, _, sent = enc(ids, ids > 0)
    assert (sent == 0).all() and (words == 0).all() and enc.out_channels == 3


@pytest.mark.parametrize("suffix", [".npy", ".npz"])
def test_loads_frozen_word_vectors(tmp_path, suffix):
    table = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    path = tmp_path / f"vectors{suffix}"
    np.save(path, table) if suffix == ".npy" else np.savez(path, vectors=table)
    enc = GRUTextEncoder(vocab_size=20, embed_dim=4, hidden=3, word_vectors=str(path))
    assert torch.allclose(enc.embed.weight, torch.from_numpy(table))
    assert not enc.embed.weight.requires_grad


def test_word_vector_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npy"):
        GRUTextEncoder(vocab_size=20, embed_dim=4, word_vectors=str(tmp_path / "missing.npy"))
    path = tmp_path / "bad.npy"
    np.save(path, np.zeros((10, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="bad.npy"):
        GRUTextEncoder(vocab_size=20, embed_dim=4, word_vectors=str(path))


def test_out_of_vocabulary_ids_are_a_clear_error():
    enc = GRUTextEncoder(vocab_size=10, embed_dim=4, hidden=3)
    ids = torch.tensor([[3, 12, 0]])
    with pytest.raises(ValueError, match="vocab_size"):
        enc(ids, ids > 0)


def _release_reference(enc: GRUTextEncoder, ids: torch.Tensor) -> torch.Tensor:
    """The SeqTR release rule written out: GRU over the zero-padded sequence, max over ids != 0."""
    out, _ = enc.gru(enc.embed(ids))
    return torch.stack([o[i != 0].amax(0) for o, i in zip(out, ids, strict=True)])


def test_unpacked_matches_the_release_rule_and_differs_from_packed():
    torch.manual_seed(0)
    enc = GRUTextEncoder(vocab_size=20, embed_dim=4, hidden=3, packed=False).eval()
    ids, mask = batch()
    words, _, sent = enc(ids, mask)
    assert torch.allclose(sent, _release_reference(enc, ids), atol=1e-6)
    assert (words[0, 3:] == 0).all() and (words[1, 2:] == 0).all()
    enc.packed = True
    _, _, packed_sent = enc(ids, mask)
    # the backward direction started in the padding: the features differ
    assert not torch.allclose(packed_sent, sent, atol=1e-4)
    # ... but not for an expression that fills the whole length
    full = torch.tensor([[5, 6, 7, 8, 9]])
    enc.packed = False
    a = enc(full, full > 0)[2]
    enc.packed = True
    assert torch.allclose(a, enc(full, full > 0)[2], atol=1e-6)


def test_unpacked_features_depend_on_the_padded_length():
    enc = GRUTextEncoder(vocab_size=20, embed_dim=4, hidden=3, packed=False).eval()
    ids, mask = batch()
    longer = torch.cat([ids, torch.zeros(2, 3, dtype=torch.long)], 1)
    assert not torch.allclose(enc(ids, mask)[2], enc(longer, longer > 0)[2], atol=1e-4)
