"""The ``model_config`` option of the open_clip wrappers: a local JSON config (open_clip's own
layout or the hub's ``open_clip_config.json``) registered before the model is created."""

from __future__ import annotations

import json

import pytest
import torch

from risseg.foundation.clip_scorers import OpenCLIPScorer, register_open_clip_config
from risseg.foundation.coca_captioner import OpenCoCaCaptioner
from risseg.registry import FOUNDATION_MODELS
from risseg.testing.tiny_open_clip import TINY_CLIP_RN, TINY_COCA


def _write(path, obj):
    path.write_text(json.dumps(obj))
    return path


def test_hub_layout_registers_the_architecture_and_its_preprocessing(tmp_path):
    cfg = dict(TINY_CLIP_RN, embed_dim=24)
    hub = dict(model_cfg=cfg, preprocess_cfg=dict(mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25]))
    path = _write(tmp_path / "open_clip_config.json", hub)
    scorer = FOUNDATION_MODELS.build(
        dict(
            type="OpenCLIPScorer",
            model_name="risseg-test-cfg-hub",
            checkpoint=None,
            model_config=str(path),
        )
    )
    assert scorer.encode_texts(["a red star"]).shape == (1, 24)
    normalize = scorer.transform.transforms[-1]
    assert tuple(normalize.mean) == (0.5, 0.5, 0.5) and tuple(normalize.std) == (0.25,) * 3


def test_flat_layout_and_checkpoint_round_trip(tmp_path):
    path = _write(tmp_path / "arch.json", dict(TINY_CLIP_RN, embed_dim=20))
    torch.manual_seed(0)
    first = OpenCLIPScorer("risseg-test-cfg-flat", None, model_config=path)
    assert register_open_clip_config("risseg-test-cfg-flat", path) == {}
    from safetensors.torch import save_file

    weights = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in first.model.state_dict().items()}, str(weights))
    torch.manual_seed(1)
    second = OpenCLIPScorer("risseg-test-cfg-flat", weights, model_config=path)
    texts = ["a photo of a circle", "a blue ring"]
    torch.testing.assert_close(first.encode_texts(texts), second.encode_texts(texts))
    assert first.encode_texts(texts).shape == (2, 20)


def test_coca_captioner_takes_model_config(tmp_path):
    path = _write(tmp_path / "coca.json", dict(model_cfg=TINY_COCA))
    cap = OpenCoCaCaptioner("risseg-test-cfg-coca", None, model_config=path)
    assert hasattr(cap.model, "text_decoder")


def test_model_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="risseg-test-missing config.*nowhere.json"):
        OpenCLIPScorer("risseg-test-missing", None, model_config=tmp_path / "nowhere.json")
    with pytest.raises(ValueError, match="not a local path"):
        OpenCLIPScorer("risseg-test-url", None, model_config="https://example.com/c.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json.*not a JSON file"):
        OpenCLIPScorer("risseg-test-bad", None, model_config=bad)
    path = _write(tmp_path / "partial.json", dict(model_cfg=dict(embed_dim=8)))
    with pytest.raises(ValueError, match=r"partial.json.*missing \['vision_cfg', 'text_cfg'\]"):
        OpenCLIPScorer("risseg-test-partial", None, model_config=path)
