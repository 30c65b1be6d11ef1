"""The CLIP stand-in: a few-step training on a tiny corpus, resume, loading, evaluation."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from risseg.registry import FOUNDATION_MODELS
from risseg.standins import clip
from risseg.utils import register_all_modules


@pytest.fixture
def small_clip(monkeypatch):
    """The real layout at smaller widths and batches, so a test epoch takes a second."""
    cfg = copy.deepcopy(clip.MODEL_CFG)
    cfg["vision_cfg"]["width"] = 8
    cfg["text_cfg"].update(width=32, layers=1, heads=2)
    monkeypatch.setattr(clip, "MODEL_CFG", cfg)
    monkeypatch.setattr(clip, "BATCH_SIZE", 48)
    return cfg


def test_prefix_text_encoding_equals_open_clips(small_clip, tmp_path):
    import open_clip

    from risseg.standins.pairs import create_model

    model, _ = create_model(small_clip, "risseg-test-standin-clip", tmp_path)
    tokens = open_clip.get_tokenizer("risseg-test-standin-clip")(["a red star", "a big blue disc"])
    torch.testing.assert_close(
        clip.encode_text_prefix(model, tokens), model.encode_text(tokens), rtol=1e-5, atol=1e-5
    )


def test_train_resume_load_and_evaluate(small_clip, tiny_corpus, tiny_benchmark, tmp_path):
    out, lines = tmp_path / "clip", []
    clip.train_part(tiny_corpus, out, epochs=1, log=lines.append)
    first = torch.load(out / "train_state.pt", weights_only=True)["progress"]
    assert first["epoch"] == 1 and "epoch 1/1" in lines[-1]
    assert json.loads((out / "done.json").read_text())["epochs"] == 1
    lines.clear()
    clip.train_part(tiny_corpus, out, epochs=2, log=lines.append)
    assert any("resuming after epoch 1/2" in line for line in lines)
    assert sum("epoch" in line and "loss" in line for line in lines) == 1
    done = json.loads((out / "done.json").read_text())
    assert done["epochs"] == 2 and done["cpu_seconds"] >= first["cpu_seconds"]
    config = json.loads((out / "open_clip_config.json").read_text())
    assert config["model_cfg"] == small_clip and config["preprocess_cfg"]["mean"][0] == 0.48145466

    register_all_modules()
    scorer = FOUNDATION_MODELS.build(clip.scorer_config(out))
    saved = torch.load(out / "train_state.pt", weights_only=True)["model"]
    torch.testing.assert_close(scorer.model.state_dict()["logit_scale"], saved["logit_scale"])
    metrics = clip.evaluate_part(out, tiny_benchmark, "val")
    keys = {f"{k}_top1{s}" for k in ("shape", "colour", "colour_shape") for s in ("", "_masked")}
    assert keys <= set(metrics) and metrics["objects"] > 0
    assert all(0 <= metrics[k] <= 100 for k in keys)
