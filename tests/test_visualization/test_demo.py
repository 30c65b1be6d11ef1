"""risseg.demo: the drawing of one or two models, and the Gradio server answering a request
on 127.0.0.1 (skipped without Gradio, an optional extra)."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from risseg.apis import init_segmentor
from risseg.demo import HEADER_PX, draw_models, load_models, parse_args, split_texts

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = [
    dict(type="LoadImage"),
    dict(type="Resize", scale=(32, 32)),
    dict(
        type="TokenizeText",
        tokenizer=dict(type="WordVocabTokenizer", vocab=["the", "red", "square"]),
        max_length=8,
    ),
    dict(type="PackRISInputs"),
]


@pytest.fixture
def two_models(tmp_path) -> list[str]:
    """CONFIG CHECKPOINT CONFIG CHECKPOINT of the tiny model, two random initialisations."""
    cfg = Config.fromfile(str(ROOT / "configs" / "tiny" / "tiny_ris.py"))
    cfg.test_dataloader.dataset.pipeline = PIPELINE
    config = tmp_path / "tiny.py"
    cfg.dump(str(config))
    argv = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        ckpt = tmp_path / f"seed{seed}.pth"
        torch.save({"state_dict": init_segmentor(cfg).state_dict()}, ckpt)
        argv += [str(config), str(ckpt)]
    return argv


def _image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (24, 40, 3), dtype=np.uint8)


def test_every_model_draws_every_line(two_models):
    models = load_models(two_models)
    assert [name for name, _ in models] == ["tiny (seed0)", "tiny (seed1)"]
    one = draw_models(models[:1], _image(), "the red square")
    two = draw_models(models, _image(), "the red square\n\n  the square \n")
    assert len(one) == 1 and len(two) == 2
    assert two[0].shape[0] - HEADER_PX > 2 * (one[0].shape[0] - HEADER_PX)  # stacked
    assert two[0].shape[1] == one[0].shape[1]
    rgba = np.concatenate([_image(), np.full((24, 40, 1), 255, np.uint8)], axis=2)
    assert draw_models(models[:1], rgba, "the red square")[0].shape == one[0].shape
    with pytest.raises(ValueError, match="expression"):
        draw_models(models, _image(), " \n ")
    with pytest.raises(ValueError, match="image"):
        draw_models(models, None, "the red square")


def test_arguments_are_pairs():
    assert split_texts("a\n b \n\n") == ["a", "b"]
    assert parse_args(["c.py", "m.pth", "--port", "1234"]).port == 1234
    with pytest.raises(SystemExit):
        parse_args(["c.py", "m.pth", "c2.py"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_server_segments_an_uploaded_image(two_models, tmp_path):
    pytest.importorskip("gradio")
    from gradio_client import Client, handle_file

    from risseg.demo import build_demo

    image = tmp_path / "upload.png"
    Image.fromarray(_image()).save(image)
    models = load_models(two_models)
    demo = build_demo(models)
    port = _free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        show_error=True,
    )
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        left, right = client.predict(handle_file(str(image)), "the red square", api_name="/segment")
    finally:
        demo.close()
    expected = draw_models(models, _image(), "the red square")
    for path, picture in zip((left, right), expected, strict=True):
        np.testing.assert_array_equal(np.asarray(Image.open(path).convert("RGB")), picture)
