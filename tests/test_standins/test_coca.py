"""The CoCa stand-in: caption scoring, a few-step training on a tiny corpus, resume, evaluation."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from risseg.registry import FOUNDATION_MODELS
from risseg.standins import coca
from risseg.standins.corpus import CorpusObject
from risseg.utils import register_all_modules


def _obj(shape="star", colour="cyan", size="big"):
    return CorpusObject(0, 1, shape, colour, size, (10.0, 10.0), 5.0, [])


def test_score_captions_checks_every_attribute_word():
    objects = [_obj(), _obj(), _obj(), _obj(shape="circle"), _obj(size="small")]
    captions = [
        "a photo of a big turquoise star",  # all true
        "a cyan star",  # true, no size
        "a small cyan star",  # wrong size
        "a cyan disc and a ring",  # two shapes named
        "a thing",  # no shape
    ]
    m = coca.score_captions(captions, objects)
    assert m["correct"] == pytest.approx(40.0)
    assert m["shape_named"] == pytest.approx(80.0) and m["shape_acc"] == pytest.approx(75.0)
    assert m["size_named"] == pytest.approx(40.0) and m["size_acc"] == pytest.approx(50.0)
    assert m["colour_acc"] == pytest.approx(100.0)


def test_crop_captions_always_name_the_shape():
    rng = np.random.default_rng(0)
    for shape in ("ring", "ellipse", "diamond"):
        named = coca.caption_words(coca.crop_caption(_obj(shape=shape), rng))
        assert named["shape"] == {shape}


@pytest.fixture
def small_coca(monkeypatch):
    cfg = copy.deepcopy(coca.MODEL_CFG)
    cfg["vision_cfg"].update(width=32, layers=1, head_width=16, attn_pooler_heads=2)
    cfg["text_cfg"].update(width=32, layers=1, heads=2)
    # the decoder's width is the text width and the image embedding width
    cfg["multimodal_cfg"].update(width=32, layers=1, heads=2, attn_pooler_heads=2)
    cfg["embed_dim"] = 32
    monkeypatch.setattr(coca, "MODEL_CFG", cfg)
    monkeypatch.setattr(coca, "BATCH_SIZE", 48)
    monkeypatch.setattr(coca, "EVAL_MAX_LEN", 6)
    return cfg


def test_train_resume_load_and_evaluate(small_coca, tiny_corpus, tiny_benchmark, tmp_path):
    out, lines = tmp_path / "coca", []
    coca.train_part(tiny_corpus, out, epochs=1, log=lines.append)
    assert json.loads((out / "done.json").read_text())["epochs"] == 1
    lines.clear()
    coca.train_part(tiny_corpus, out, epochs=2, log=lines.append)
    assert any("resuming after epoch 1/2" in line for line in lines)
    assert json.loads((out / "done.json").read_text())["epochs"] == 2

    register_all_modules()
    captioner = FOUNDATION_MODELS.build(coca.captioner_config(out))
    assert captioner.model.context_length == coca.CONTEXT
    metrics = coca.evaluate_part(out, tiny_benchmark, "val")
    assert {"correct", "shape_acc", "colour_acc", "size_acc", "shape_named"} <= set(metrics)
    assert metrics["objects"] > 0 and 0 <= metrics["correct"] <= 100
