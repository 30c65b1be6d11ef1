import pytest
import torch
from transformers import BertConfig, BertModel

from risseg.models.text_encoders import BertTextEncoder
from risseg.testing import TINY_BERT


def test_random_config_shapes_and_padding():
    enc = BertTextEncoder(config=TINY_BERT).eval()
    ids = torch.randint(1, 64, (2, 8))
    mask = torch.ones(2, 8, dtype=torch.bool)
    mask[1, 5:] = False
    feats, out_mask, sent = enc(ids, mask)
    assert feats.shape == (2, 8, 16) and out_mask.dtype == torch.bool
    assert torch.equal(sent, feats[:, 0])
    ids2 = ids.clone()
    ids2[1, 5:] = 7  # padded tokens are masked out of attention
    assert torch.allclose(enc(ids2, mask)[0][1, :5], feats[1, :5], atol=1e-5)
    assert not hasattr(enc.bert, "pooler") or enc.bert.pooler is None


def test_local_pretrained_dir(tmp_path):
    torch.manual_seed(0)
    BertModel(BertConfig(**TINY_BERT), add_pooling_layer=False).save_pretrained(tmp_path)
    enc = BertTextEncoder(pretrained=str(tmp_path))
    ref = BertModel.from_pretrained(tmp_path)
    assert torch.equal(
        enc.bert.embeddings.word_embeddings.weight, ref.embeddings.word_embeddings.weight
    )


def test_pretrained_dir_with_config_checks_the_architecture(tmp_path):
    torch.manual_seed(0)
    BertModel(BertConfig(**TINY_BERT), add_pooling_layer=False).save_pretrained(tmp_path)
    enc = BertTextEncoder(pretrained=str(tmp_path), config=TINY_BERT)  # matching: loads
    ref = BertModel.from_pretrained(tmp_path)
    assert torch.equal(
        enc.bert.embeddings.word_embeddings.weight, ref.embeddings.word_embeddings.weight
    )
    with pytest.raises(ValueError, match="hidden_size"):
        BertTextEncoder(pretrained=str(tmp_path), config=dict(TINY_BERT, hidden_size=32))


def test_bad_arguments():
    with pytest.raises(ValueError):
        BertTextEncoder()
    with pytest.raises(ValueError, match="vocab"):
        BertTextEncoder(config=TINY_BERT)(torch.tensor([[99]]), torch.ones(1, 1, dtype=torch.bool))
