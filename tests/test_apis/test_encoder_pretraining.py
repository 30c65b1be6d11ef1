"""Mask-free Swin / BERT pretraining on a tiny SynthRef corpus: outputs load, runs resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from risseg.apis import pretrain_bert, pretrain_swin
from risseg.apis.encoder_pretraining import SwinClassifier
from risseg.datasets.synthref import generate_synthref
from risseg.datasets.tokenizers import WordVocabTokenizer
from risseg.models.backbones import SwinPWAM
from risseg.models.text_encoders import BertTextEncoder
from risseg.registry import MODELS
from risseg.testing import load_script

ROOT = Path(__file__).resolve().parents[2]

SWIN = dict(
    embed_dim=8, depths=(1, 1), num_heads=(1, 2), window_size=4, text_dim=16, fusion_heads=(1, 1)
)
BERT = dict(
    vocab_size=64,
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
    max_position_embeddings=32,
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("pt") / "corpus")
    generate_synthref(out, preset="tiny", seed=3, progress=False)
    return out


def test_pretrained_swin_loads_into_swin_pwam_and_resumes(corpus, tmp_path):
    torch.manual_seed(0)
    out = str(tmp_path / "swin.pth")
    kwargs = dict(mean=(0.0, 0.0, 0.0), std=(255.0, 255.0, 255.0), batch_size=8)
    first = pretrain_swin(SwinPWAM(**SWIN), corpus, out, epochs=1, **kwargs)
    assert len(first) == 1 and first[0]["train_loss"] > 0
    # a second call with more epochs continues from the saved state instead of restarting
    log = pretrain_swin(SwinPWAM(**SWIN), corpus, out, epochs=2, **kwargs)
    assert [r["epoch"] for r in log] == [1, 2] and log[0] == first[0]
    target = SwinPWAM(**SWIN, pretrained=out)
    target.init_weights()
    saved = torch.load(out, weights_only=False)["state_dict"]
    assert saved and all(k.startswith(("patch_embed.", "layers.")) for k in saved)
    for k, v in saved.items():
        assert torch.equal(target.state_dict()[k], v), k


def test_pretrained_bert_loads_into_the_text_encoder(corpus, tmp_path):
    torch.manual_seed(0)
    tok = WordVocabTokenizer(json.load(open(f"{corpus}/vocab.json")))
    out = str(tmp_path / "bert")
    log = pretrain_bert(BERT, tok, tok.vocab_size, corpus, out, epochs=2, batch_size=16)
    assert len(log) == 2 and 0.0 <= log[-1]["val_masked_word_acc"] <= 1.0
    assert log[-1]["train_loss"] < log[0]["train_loss"] + 1.0
    enc = BertTextEncoder(pretrained=out)
    ids, mask = tok("the red circle", 8)
    feats = enc(torch.tensor([ids]), torch.tensor([mask]))
    assert feats[0].shape[-1] == 16


def test_pretrain_bert_needs_a_free_mask_id(corpus, tmp_path):
    tok = WordVocabTokenizer(json.load(open(f"{corpus}/vocab.json")))
    with pytest.raises(ValueError, match="MASK"):
        pretrain_bert(
            dict(BERT, vocab_size=tok.vocab_size),
            tok,
            tok.vocab_size,
            corpus,
            str(tmp_path / "b"),
            epochs=1,
        )


def test_tool_refuses_the_benchmark_seed_as_corpus(tmp_path, monkeypatch):
    import sys

    tool = load_script(ROOT / "tools" / "pretrain_synthref_encoders.py")

    monkeypatch.setattr(
        sys,
        "argv",
        ["x", "configs/lavt/lavt_tiny_synthref.py", "--corpus-seed", "0", "--out", str(tmp_path)],
    )
    assert Config.fromfile("configs/lavt/lavt_tiny_synthref.py").train_dataloader.dataset.seed == 0
    with pytest.raises(ValueError, match="benchmark"):
        tool.main()


def test_tool_makes_the_configs_synthref_before_pretraining(corpus, tmp_path, monkeypatch):
    """On a fresh checkout the config's SynthRef (and so the tokenizer's vocab.json) is missing:
    the tool generates it first instead of failing after the Swin epochs."""
    import sys

    tool = load_script(ROOT / "tools" / "pretrain_synthref_encoders.py")

    calls = []

    def fake_swin(*args, **kwargs):
        calls.append("swin")
        return [{"epoch": 1}]

    def fake_bert(cfg, tokenizer, vocab_size, *args, **kwargs):
        calls.append(("bert", vocab_size))
        return [{"epoch": 1}]

    monkeypatch.setattr(tool, "pretrain_swin", fake_swin)
    monkeypatch.setattr(tool, "pretrain_bert", fake_bert)
    bench = tmp_path / "bench"
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "x",
            "configs/lavt/lavt_tiny_synthref.py",
            "--corpus",
            corpus,
            "--out",
            str(tmp_path / "out"),
            "--cfg-options",
            f"train_dataloader.dataset.data_root={bench}",
            "train_dataloader.dataset.preset=tiny",
            f"tokenizer.vocab={bench}/vocab.json",
        ],
    )
    tool.main()
    vocab = json.load(open(bench / "vocab.json"))
    assert json.load(open(bench / "synthref_meta.json"))["preset"] == "tiny"
    assert calls[0] == "swin" and calls[1][0] == "bert" and calls[1][1] >= len(vocab)
    assert (tmp_path / "out" / "pretrain_log.json").exists()


def _timm_order_logits(model: SwinClassifier, x: torch.Tensor) -> torch.Tensor:
    """The classifier with timm's own stage forward (shift, then pad to the window grid)."""
    return model.head(model.layers(model.patch_embed(x)).mean(dim=(1, 2)))


def test_swin_classifier_pads_then_shifts_like_swin_pwam():
    """Two blocks per stage (the second shifted), window 4: at 120 px the stage sides 30 and 15
    are not multiples of the window and the two orders differ; at 128 px (32, 16) they agree."""
    torch.manual_seed(0)
    swin = dict(SWIN, depths=(2, 2))
    model = SwinClassifier(SwinPWAM(**swin), 3).eval()
    with torch.no_grad():
        x = torch.randn(2, 3, 120, 120)
        assert not torch.allclose(model(x), _timm_order_logits(model, x), atol=1e-4)
        x = torch.randn(2, 3, 128, 128)
        assert torch.allclose(model(x), _timm_order_logits(model, x), atol=1e-6)


def test_synthref_pretraining_is_unchanged_by_the_window_order():
    """The toy LAVT's Swin on the 128 px SynthRef images: stage sides 32, 16, 8, 4 are multiples
    of its window 4 (and each stage has one unshifted block), so both orders are one network."""
    cfg = Config.fromfile(str(ROOT / "configs" / "lavt" / "lavt_tiny_synthref.py"))
    backbone = cfg.model.backbone
    sides = [128 // 4 // 2**i for i in range(len(backbone.depths))]
    assert all(side % backbone.window_size == 0 for side in sides)
    torch.manual_seed(0)
    model = SwinClassifier(MODELS.build(backbone), 5).eval()
    with torch.no_grad():
        x = torch.randn(2, 3, 128, 128)
        assert torch.equal(model(x), _timm_order_logits(model, x))
