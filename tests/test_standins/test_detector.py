"""The OWLv2 detector stand-in: set loss, training, resuming, loading, evaluating."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from risseg.datasets.synthref import generate_synthref
from risseg.datasets.synthref.shapes import SHAPES
from risseg.foundation.hf_detectors import OWLv2Detector
from risseg.registry import FOUNDATION_MODELS
from risseg.standins import detector as det_part
from risseg.standins.detection_loss import hungarian_match, set_loss


def _boxes(cxs, cy=0.5, w=0.1, h=0.2):
    return torch.tensor([[cx, cy, w, h] for cx in cxs])


def test_hungarian_match_is_optimal_where_greedy_is_not():
    # gt 0 at cx 0.3, gt 1 at cx 0.5; pred 0 (cx 0.35) is the closest to gt 0, but pairing
    # pred 1 (cx 0.2) with gt 0 and pred 0 with gt 1 costs less in total; pred 2 is far away
    gt = _boxes([0.3, 0.5])
    pred = _boxes([0.35, 0.2, 0.9])
    logits = torch.zeros(3, 2)
    pred_i, gt_i = hungarian_match(logits, pred, torch.tensor([0, 1]), gt)
    assert sorted(zip(pred_i.tolist(), gt_i.tolist(), strict=True)) == [(0, 1), (1, 0)]
    empty = hungarian_match(logits, pred, torch.zeros(0, dtype=torch.long), torch.zeros(0, 4))
    assert empty[0].numel() == 0 and empty[1].numel() == 0


def test_set_loss_is_low_only_for_the_right_queries_and_boxes():
    gt = _boxes([0.3, 0.7])
    labels = torch.tensor([1, 0])
    pred = torch.cat([_boxes([0.7, 0.3]), _boxes([0.1])])[None]  # pred 0 -> gt 1, pred 1 -> gt 0
    good = torch.full((1, 3, 2), -12.0)
    good[0, 0, 0] = good[0, 1, 1] = 12.0
    losses = set_loss(good, pred, [(labels, gt)])
    assert set(losses) == {"loss", "loss_cls", "loss_l1", "loss_giou"}
    assert float(losses["loss"]) < 1e-3
    swapped = set_loss(good, pred, [(labels.flip(0), gt)])  # right class or box, not both
    assert float(swapped["loss"]) > 1.0
    moved = set_loss(good, pred + torch.tensor([0.05, 0.0, 0.0, 0.0]), [(labels, gt)])
    assert float(moved["loss_l1"]) == pytest.approx(5 * 0.05 * 2 / 2, rel=1e-4)
    with pytest.raises(ValueError, match="targets"):
        set_loss(good, pred, [])


def test_tokenizer_keeps_every_name_whole_and_off_id_zero():
    tok = det_part.build_tokenizer(det_part.tokenizer_words())
    for word in det_part.tokenizer_words():
        ids = tok(word)["input_ids"]
        assert len(ids) == 3 and min(ids) > 0, word
    assert len(tok("a dodecahedron")["input_ids"]) > 3  # unknown words fall back to letters


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "synthref_tiny"
    generate_synthref(str(root), preset="tiny", seed=3, progress=False)
    return root


@pytest.fixture(scope="module")
def trained(tiny_corpus, tmp_path_factory):
    """One epoch, then a second call with epochs=2 that resumes (its log lines are kept)."""
    out = tmp_path_factory.mktemp("standins") / "detector"
    det_part.train_part(tiny_corpus, out, epochs=1, log=lambda s: None)
    first = json.loads((out / "done.json").read_text())
    lines: list[str] = []
    det_part.train_part(tiny_corpus, out, epochs=2, log=lines.append)
    return out, first, lines


def test_train_resumes_and_writes_a_loadable_owlv2_folder(trained):
    out, first, lines = trained
    assert first["epochs"] == 1
    done = json.loads((out / "done.json").read_text())
    assert done["epochs"] == 2 and done["cpu_seconds"] >= first["cpu_seconds"]
    assert any("resuming after epoch 1" in line for line in lines)
    epochs_run = [s.split()[2] for s in lines if s.startswith("detector: epoch ")]
    assert epochs_run == ["2/2"]
    detector = FOUNDATION_MODELS.build(dict(type="OWLv2Detector", path=str(out)))
    assert isinstance(detector, OWLv2Detector)
    state = torch.load(out / "train_state.pt", map_location="cpu", weights_only=True)["model"]
    loaded = detector.model.state_dict()
    for name, value in state.items():
        torch.testing.assert_close(loaded[name], value, msg=name)
    enc = detector.processor(text=["circle", "disc", "square"], return_tensors="pt")
    with torch.no_grad():
        emb = detector.model.owlv2.get_text_features(**enc).pooler_output
    cos = torch.nn.functional.normalize(emb, dim=-1) @ torch.nn.functional.normalize(emb, dim=-1).T
    assert cos[0, 1] > 0.9 and abs(cos[0, 2]) < 0.2  # synonyms together, shapes apart
    image = np.zeros((128, 128, 3), dtype=np.uint8)
    dets = detector.detect(image, list(SHAPES), box_threshold=0.0, text_threshold=0.0)
    assert len(dets) == (128 // det_part.VISION["patch_size"]) ** 2 and set(
        dets.phrase_index.tolist()
    ) <= set(range(7))


def test_training_batches_flip_boxes_with_the_image(tiny_corpus):
    processor = det_part.build_processor(det_part.build_tokenizer(det_part.tokenizer_words()))
    data = det_part._Data(tiny_corpus, processor, seed=0)
    rng = np.random.default_rng(0)
    flips = rng.random(2) < 0.5
    inputs, targets = data.batch(np.array([0, 1]), np.random.default_rng(0))
    q = len(SHAPES) + det_part.NUM_NEGATIVES
    assert inputs["input_ids"].shape[0] == 2 * q
    for k in range(2):
        labels, boxes = data.targets[k]
        expect = boxes.clone()
        if flips[k]:
            expect[:, 0] = 1 - expect[:, 0]
        torch.testing.assert_close(targets[k][1], expect)
        assert torch.equal(targets[k][0], labels)
    info = json.loads((tiny_corpus / "instances.json").read_text())["images"][0]
    image = np.array(Image.open(tiny_corpus / "images" / info["file_name"]).convert("RGB"))
    ref = processor(images=np.ascontiguousarray(image[:, :: -1 if flips[0] else 1]))
    torch.testing.assert_close(
        inputs["pixel_values"][0], torch.as_tensor(ref["pixel_values"][0]), atol=1e-4, rtol=0
    )


def test_evaluate_part_keys(trained, tiny_corpus):
    out, _, _ = trained
    metrics = det_part.evaluate_part(out, tiny_corpus, "val")
    keys = {"ap", "ap50", "recall_ssc", "precision_ssc", "images", "objects"}
    assert keys | {f"ap50_{s}" for s in SHAPES} == set(metrics)
    assert 0.0 <= metrics["ap50"] <= 1.0 and 0.0 <= metrics["recall_ssc"] <= 1.0
    assert metrics["images"] > 0 and metrics["objects"] >= metrics["images"]


def test_missing_corpus_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="instances.json"):
        det_part.load_corpus(tmp_path)
