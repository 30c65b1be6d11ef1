"""Grounded detectors on tiny random transformers GroundingDINO / MM-GroundingDINO / OWLv2."""

from __future__ import annotations

import string
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from risseg.foundation.grounded_detector import Detections
from risseg.foundation.hf_detectors import HFGroundingDINODetector, OWLv2Detector
from risseg.registry import FOUNDATION_MODELS

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "the", "man", "dog", "red", "shirt"]


def _gdino_config(cls_name):
    import transformers
    from transformers import BertConfig, SwinConfig

    swin = SwinConfig(
        image_size=64,
        patch_size=4,
        embed_dim=8,
        depths=[1, 1, 1, 1],
        num_heads=[1, 1, 1, 1],
        window_size=2,
        out_features=["stage2", "stage3", "stage4"],
    )
    bert = BertConfig(
        vocab_size=len(WORDS),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    return getattr(transformers, cls_name)(
        backbone_config=swin,
        text_config=bert,
        d_model=32,
        encoder_layers=1,
        decoder_layers=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        num_queries=10,
        encoder_n_points=2,
        decoder_n_points=2,
        max_text_len=32,
    )


def _save_gdino(folder, model_name, config_name):
    import transformers
    from transformers import BertTokenizer, GroundingDinoImageProcessor, GroundingDinoProcessor

    torch.manual_seed(0)
    model = getattr(transformers, model_name)(_gdino_config(config_name)).eval()
    tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(WORDS)})
    image_processor = GroundingDinoImageProcessor(size={"shortest_edge": 64, "longest_edge": 96})
    model.save_pretrained(folder)
    GroundingDinoProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(
        folder
    )
    return model


@pytest.fixture(scope="module")
def gdino(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gdino")
    model = _save_gdino(folder, "GroundingDinoForObjectDetection", "GroundingDinoConfig")
    return folder, model


def _image(h=50, w=70, seed=0):
    return np.random.RandomState(seed).randint(0, 255, (h, w, 3), dtype=np.uint8)


def test_registered():
    for cls in (HFGroundingDINODetector, OWLv2Detector):
        assert FOUNDATION_MODELS.get(cls.__name__) is cls


def test_gdino_matches_the_library_post_processing(gdino):
    folder, model = gdino
    det = HFGroundingDINODetector(folder)
    image = _image()
    out = det.detect(image, ["man", "red shirt"], box_threshold=0.0, text_threshold=0.0)
    assert isinstance(out, Detections) and len(out) == 10
    assert out.boxes.dtype == torch.float32 and out.phrase_index.dtype == torch.long
    assert ((out.phrase_index >= 0) & (out.phrase_index < 2)).all()
    enc = det.processor(images=image, text="man. red shirt.", return_tensors="pt")
    with torch.no_grad():
        ref = det.processor.post_process_grounded_object_detection(
            model(**enc),
            enc["input_ids"],
            threshold=0.0,
            text_threshold=0.0,
            target_sizes=[(50, 70)],
        )[0]
    torch.testing.assert_close(out.boxes, ref["boxes"], rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(out.scores, ref["scores"], rtol=1e-4, atol=1e-5)
    again = det.detect(image, ["man", "red shirt"], box_threshold=0.0, text_threshold=0.0)
    assert torch.equal(again.boxes, out.boxes)  # deterministic
    mid = float(out.scores.median())
    kept = det.detect(image, ["man", "red shirt"], box_threshold=mid, text_threshold=0.0)
    assert len(kept) == int((out.scores > mid).sum())
    assert len(det.detect(image, ["man"], box_threshold=1.0, text_threshold=0.0)) == 0


class FakeGDino(nn.Module):
    """Returns fixed token probabilities for 3 queries (prompt 'man. red shirt.')."""

    def __init__(self, probs):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))
        self.probs = probs

    def forward(self, **enc):
        n = enc["input_ids"].shape[1]
        logits = torch.full((1, 3, 32), -1e4)
        logits[0, :, :n] = torch.logit(self.probs[:, :n])
        boxes = torch.tensor([[[0.5, 0.5, 0.2, 0.4]] * 3])
        return SimpleNamespace(logits=logits, pred_boxes=boxes)


def test_gdino_phrase_assignment_rules(gdino):
    folder, _ = gdino
    det = HFGroundingDINODetector(folder)
    # tokens: [CLS] man . red shirt . [SEP]
    assert det._token_phrase(*_prompt(["man", "red shirt"])).tolist() == [-1, 0, -1, 1, 1, -1, -1]
    p = torch.full((3, 7), 0.01)
    p[0, 1], p[0, 4] = 0.5, 0.9  # both phrases, 'red shirt' higher
    p[1, 1] = 0.6  # 'man' only
    p[2, 3] = 0.3  # box kept (> 0.25) but its phrase is below the text threshold 0.35
    det.model = FakeGDino(p)
    out = det.detect(_image(), ["man", "red shirt"], box_threshold=0.25, text_threshold=0.35)
    assert out.phrase_index.tolist() == [1, 0, -1]
    torch.testing.assert_close(out.boxes[0], torch.tensor([28.0, 15.0, 42.0, 35.0]))
    det.assign = "first"
    out = det.detect(_image(), ["man", "red shirt"], box_threshold=0.25, text_threshold=0.35)
    assert out.phrase_index.tolist() == [0, 0, -1]


def _prompt(phrases):
    from risseg.foundation.hf_detectors import grounding_prompt

    return grounding_prompt(phrases)


def test_mm_grounding_dino(tmp_path):
    _save_gdino(tmp_path, "MMGroundingDinoForObjectDetection", "MMGroundingDinoConfig")
    det = HFGroundingDINODetector(tmp_path, model_class="MMGroundingDinoForObjectDetection")
    out = det.detect(_image(), ["dog"], box_threshold=0.0, text_threshold=0.0)
    assert out.boxes.shape == (10, 4) and (out.phrase_index == 0).all()


def test_gdino_errors(gdino, tmp_path):
    folder, _ = gdino
    with pytest.raises(FileNotFoundError, match="no_gdino"):
        HFGroundingDINODetector(tmp_path / "no_gdino")
    with pytest.raises(ValueError, match="model_class"):
        HFGroundingDINODetector(folder, model_class="DetrForObjectDetection")
    det = HFGroundingDINODetector(folder)
    with pytest.raises(ValueError, match="uint8"):
        det.detect(_image().astype(np.float32), ["man"])
    with pytest.raises(ValueError, match="phrases"):
        det.detect(_image(), [])


@pytest.fixture(scope="module")
def owl_dir(tmp_path_factory):
    from transformers import (
        CLIPTokenizer,
        Owlv2Config,
        Owlv2ForObjectDetection,
        Owlv2ImageProcessor,
        Owlv2Processor,
    )

    vocab = {}
    for c in string.ascii_lowercase + ".":
        vocab.setdefault(c, len(vocab))
        vocab.setdefault(c + "</w>", len(vocab))
    # OWL models treat a query whose first id is 0 as padding: special tokens come last
    sot, eot = len(vocab), len(vocab) + 1
    vocab.update({"<|startoftext|>": sot, "<|endoftext|>": eot})
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16)
    tc = dict(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=16,
        bos_token_id=sot,
        eos_token_id=eot,
        pad_token_id=eot,
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
    model = Owlv2ForObjectDetection(
        Owlv2Config(text_config=tc, vision_config=vc, projection_dim=32)
    )
    folder = tmp_path_factory.mktemp("owlv2")
    model.save_pretrained(folder)
    Owlv2Processor(
        image_processor=Owlv2ImageProcessor(size={"height": 32, "width": 32}), tokenizer=tokenizer
    ).save_pretrained(folder)
    return folder


def test_owlv2_detects_and_scales_to_the_padded_square(owl_dir):
    det = OWLv2Detector(owl_dir)
    image = _image(20, 30)
    out = det.detect(image, ["a man", "dog"], box_threshold=0.0, text_threshold=0.0)
    assert len(out) == 16 and set(out.phrase_index.tolist()) <= {0, 1}
    assert (out.boxes[:, [0, 2]] <= 30).all() and (out.boxes[:, [1, 3]] <= 20).all()
    assert (out.boxes >= 0).all()
    high = det.detect(image, ["a man", "dog"], box_threshold=0.0, text_threshold=1.0)
    assert len(high) == 0
    logits = torch.tensor([[[2.0, -1.0]]])
    det.model = FakeOwl(logits, torch.tensor([[[0.5, 0.5, 1.0, 1.0]]]))
    out = det.detect(image, ["a man", "dog"], box_threshold=0.5, text_threshold=0.5)
    torch.testing.assert_close(out.boxes, torch.tensor([[0.0, 0.0, 30.0, 20.0]]))
    torch.testing.assert_close(out.scores, torch.sigmoid(torch.tensor([2.0])))
    assert out.phrase_index.tolist() == [0]


def test_owlv2_truncates_phrases_longer_than_its_text_tower(owl_dir):
    det = OWLv2Detector(owl_dir)
    long = " ".join("a" * 40)  # one token per word: far beyond the 16 positions
    out = det.detect(_image(20, 30), [long, "dog"], box_threshold=0.0, text_threshold=0.0)
    assert len(out) == 16 and set(out.phrase_index.tolist()) <= {0, 1}
    cut = det.detect(_image(20, 30), [" ".join("a" * 14), "dog"], 0.0, 0.0)  # + BOS, EOS
    torch.testing.assert_close(out.scores, cut.scores)


class FakeOwl(nn.Module):
    def __init__(self, logits, boxes):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))
        self.out = SimpleNamespace(logits=logits, pred_boxes=boxes)

    def forward(self, **enc):
        return self.out
