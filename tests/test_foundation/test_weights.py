"""Foundation weights load from local paths only, and never unpickle code."""

import pickle
from pathlib import Path

import pytest
import torch

from risseg.foundation import load_hf_pretrained, load_torch_weights, local_weights_dir


def test_missing_and_remote_paths_are_refused_with_advice(tmp_path):
    with pytest.raises(FileNotFoundError, match="SAM ViT-H.*does not exist.*get it here"):
        load_torch_weights(tmp_path / "sam.pth", "SAM ViT-H", "get it here")
    with pytest.raises(ValueError, match="not a local path.*downloads nothing"):
        load_torch_weights("https://example.com/sam.pth", "SAM ViT-H")
    with pytest.raises(ValueError, match="not a local path"):
        local_weights_dir("s3://bucket/clip", "CLIP")


def test_state_dicts_load_and_unwrap(tmp_path):
    state = {"w": torch.ones(2)}
    torch.save({"state_dict": state}, tmp_path / "a.pth")
    assert torch.equal(load_torch_weights(tmp_path / "a.pth", "x")["w"], state["w"])
    from safetensors.torch import save_file

    save_file(state, str(tmp_path / "b.safetensors"))
    assert torch.equal(load_torch_weights(tmp_path / "b.safetensors", "x")["w"], state["w"])


class _Payload:
    def __reduce__(self):
        return (open, ("/tmp/risseg_foundation_payload_ran", "w"))


def test_a_pickle_with_code_is_refused(tmp_path):
    marker = Path("/tmp/risseg_foundation_payload_ran")
    marker.unlink(missing_ok=True)
    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump({"w": _Payload()}, f)
    with pytest.raises(pickle.UnpicklingError):
        load_torch_weights(path, "x")
    assert not marker.exists()


def test_hf_folders_load_local_files_only(tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(
        BertConfig(
            hidden_size=8,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=8,
            vocab_size=20,
        )
    ).save_pretrained(tmp_path / "bert")
    model = load_hf_pretrained(BertModel, tmp_path / "bert", "BERT", "copy it")
    assert model.config.hidden_size == 8
    with pytest.raises(FileNotFoundError, match="BERT"):
        load_hf_pretrained(BertModel, "bert-base-uncased", "BERT", "copy it")
