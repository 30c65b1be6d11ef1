"""OpenCLIPScorer / HFCLIPScorer on tiny randomly initialised open_clip and transformers CLIPs."""

from __future__ import annotations

import string

import numpy as np
import pytest
import torch

from risseg.foundation.clip_scorers import HFCLIPScorer, OpenCLIPScorer
from risseg.registry import FOUNDATION_MODELS
from risseg.testing.tiny_open_clip import register_tiny_open_clip


@pytest.fixture(scope="module")
def tiny_rn_name():
    register_tiny_open_clip()
    return "risseg-tiny-clip-rn"


def _images(n, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randint(0, 255, (30 + 7 * i, 40, 3), dtype=np.uint8) for i in range(n)]


@pytest.fixture(scope="module")
def scorer(tiny_rn_name):
    torch.manual_seed(0)
    s = OpenCLIPScorer(tiny_rn_name, None, batch_size=2)
    with torch.no_grad():
        s.model.logit_scale.fill_(np.log(100.0))
    return s


def test_registered():
    assert FOUNDATION_MODELS.get("OpenCLIPScorer") is OpenCLIPScorer
    assert FOUNDATION_MODELS.get("HFCLIPScorer") is HFCLIPScorer


def test_open_clip_shapes_norms_and_logit_scale(scorer):
    img, txt = scorer.encode_images(_images(3)), scorer.encode_texts(["a man", "the red dog"])
    assert img.shape == (3, 16) and txt.shape == (2, 16)
    torch.testing.assert_close(img.norm(dim=1), torch.ones(3))
    sim = scorer.similarity(img, txt)
    assert sim.shape == (3, 2)
    assert scorer.logit_scale == pytest.approx(100.0, rel=1e-5)
    torch.testing.assert_close(sim, 100.0 * img @ txt.T, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(scorer.similarity(img, txt, scale=False), img @ txt.T)
    torch.testing.assert_close(scorer(_images(3), ["a man", "the red dog"]), sim)


def test_open_clip_deterministic_and_batch_consistent(scorer):
    images = _images(3)
    full = scorer.encode_images(images)
    torch.testing.assert_close(full, scorer.encode_images(images))
    alone = torch.cat([scorer.encode_images([im]) for im in images])
    torch.testing.assert_close(full, alone, rtol=1e-4, atol=1e-5)
    texts = ["a man", "dog", "the cat on the left"]
    torch.testing.assert_close(
        scorer.encode_texts(texts)[2:], scorer.encode_texts(texts[2:]), rtol=1e-4, atol=1e-5
    )
    assert not torch.allclose(full[0], full[1])


def test_open_clip_uses_the_models_own_transform(scorer):
    from PIL import Image

    images = _images(2)
    pixels = torch.stack([scorer.transform(Image.fromarray(im)) for im in images])
    assert pixels.shape[-2:] == (32, 32)
    torch.testing.assert_close(scorer.encode_images(images), scorer.encode_images(pixels))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_open_clip_loads_a_local_checkpoint(scorer, tiny_rn_name, tmp_path, suffix):
    path = tmp_path / f"weights{suffix}"
    state = {k: v.clone().contiguous() for k, v in scorer.model.state_dict().items()}
    if suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file(state, str(path))
    else:
        torch.save(state, path)
    loaded = OpenCLIPScorer(tiny_rn_name, path)
    images = _images(2)
    torch.testing.assert_close(loaded.encode_images(images), scorer.encode_images(images))
    fresh = OpenCLIPScorer(tiny_rn_name, None)
    assert not torch.allclose(fresh.encode_images(images), scorer.encode_images(images))


def test_open_clip_missing_remote_and_unknown(tiny_rn_name, tmp_path):
    with pytest.raises(FileNotFoundError, match="no_such.safetensors"):
        OpenCLIPScorer(tiny_rn_name, tmp_path / "no_such.safetensors")
    with pytest.raises(ValueError, match="not a local path"):
        OpenCLIPScorer(tiny_rn_name, "https://example.com/RN50.pt")
    with pytest.raises(ValueError, match="no model config"):
        OpenCLIPScorer("risseg-no-such-model", None)


def test_bad_images_are_named(scorer):
    images = _images(2)
    images[1] = images[1].astype(np.float32)
    with pytest.raises(ValueError, match=r"images\[1\]"):
        scorer.encode_images(images)
    with pytest.raises(ValueError, match="non-empty list"):
        scorer.encode_texts([])


def _tiny_clip_tokenizer():
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in string.ascii_lowercase + ".":
        vocab.setdefault(c, len(vocab))
        vocab.setdefault(c + "</w>", len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16), len(vocab)


@pytest.fixture(scope="module")
def hf_clip_dir(tmp_path_factory):
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    tokenizer, vocab_size = _tiny_clip_tokenizer()
    tc = dict(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=16,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )
    vc = dict(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=32,
        patch_size=8,
    )
    torch.manual_seed(0)
    model = CLIPModel(CLIPConfig(text_config=tc, vision_config=vc, projection_dim=16))
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(
            size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
        ),
        tokenizer=tokenizer,
    )
    folder = tmp_path_factory.mktemp("hf_clip")
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder, model.eval(), processor


def test_hf_clip_matches_the_library_model(hf_clip_dir):
    folder, model, processor = hf_clip_dir
    scorer = HFCLIPScorer(folder, batch_size=2)
    images, texts = _images(3), ["a man", "dog", "the red cat"]
    img, txt = scorer.encode_images(images), scorer.encode_texts(texts)
    assert img.shape == (3, 16) and txt.shape == (3, 16)
    with torch.no_grad():
        ref = model(**processor(text=texts, images=images, padding=True, return_tensors="pt"))
    torch.testing.assert_close(
        scorer.similarity(img, txt), ref.logits_per_image, rtol=1e-4, atol=1e-4
    )
    alone = torch.cat([scorer.encode_images([im]) for im in images])
    torch.testing.assert_close(img, alone, rtol=1e-4, atol=1e-5)


def test_hf_clip_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_clip_here"):
        HFCLIPScorer(tmp_path / "no_clip_here")
