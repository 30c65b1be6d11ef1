"""tools/choose_pseudo.py on a hand-made prediction file."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from risseg.utils.masks import mask_to_rle, rle_to_mask

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("choose_pseudo", ROOT / "tools/choose_pseudo.py")
CHOOSE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CHOOSE)


def _record(ref_id, sent_id, mask, box, supervision="box", iou=None):
    rec = dict(
        ref_id=ref_id,
        sent_id=sent_id,
        image_id=1,
        ann_id=ref_id,
        supervision=supervision,
        height=mask.shape[0],
        width=mask.shape[1],
        pred_rle=mask_to_rle(mask),
        gt_bbox=list(box),
    )
    if iou is not None:
        rec["iou"] = iou
    return rec


def _box(h, w, box):
    m = np.zeros((h, w), bool)
    m[box[1] : box[3], box[0] : box[2]] = True
    return m


def _fits(h, w, box):
    """A prediction whose polygon rasterises to exactly the box (one pixel more each way)."""
    return _box(h, w, (box[0], box[1], box[2] + 1, box[3] + 1))


def _run(*args):
    return subprocess.run(
        [sys.executable, str(ROOT / "tools/choose_pseudo.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )


def test_choose_pseudo_end_to_end(tmp_path):
    box = (2, 2, 8, 8)
    half = _fits(12, 12, (2, 2, 5, 8))
    records = [
        _record(1, 10, _fits(12, 12, box), box, iou=0.9),  # fits its box: kept
        _record(2, 20, half, box, iou=0.4),  # half the box: rejected
        _record(2, 21, _fits(12, 12, box), box, iou=0.8),  # a second sentence fits
        _record(3, 30, _fits(12, 12, box), box, supervision="mask"),  # labeled: skipped
        _record(4, 40, np.zeros((12, 12), bool), box),  # empty: rejected
    ]
    pred = tmp_path / "preds.json"
    pred.write_text(json.dumps(records))
    out = tmp_path / "pseudo.json"
    proc = _run("--pred", pred, "--out", out, "--sentence", "best")
    assert proc.returncode == 0, proc.stderr
    pseudo = json.loads(out.read_text())
    assert sorted(pseudo) == ["1", "2"]
    # the pseudo mask is the re-rasterised polygon of the prediction
    np.testing.assert_array_equal(rle_to_mask(pseudo["2"]), _box(12, 12, box))
    stats = json.loads(proc.stdout.splitlines()[0])
    assert stats["num_candidates"] == 3 and stats["num_kept"] == 2 and stats["num_labeled"] == 1
    assert stats["num_scored"] == 5 and stats["kept_mean_iou"] == pytest.approx(0.85)
    # records of refs without masks whose predicted mask's bounding box has IoU >= 0.5 with
    # the GT box: the fitting mask (IoU 36/49) twice and the half mask (24/40), not the empty
    assert stats["candidate_box_acc50"] == 0.75
    assert stats["box_hit_mean_iou"] == pytest.approx((0.9 + 0.4 + 0.8) / 3)
    # the release's rule scores one sentence per ref: ref 2 is kept or not with its draw
    assert CHOOSE.choose(records)[1]["num_scored"] == 4


def _two_sentence_refs(n=20):
    """n refs, each with one fitting and one half-width sentence (in that order)."""
    box = (2, 2, 8, 8)
    records = []
    for ref in range(n):
        records.append(_record(ref, 2 * ref, _fits(12, 12, box), box))
        records.append(_record(ref, 2 * ref + 1, _fits(12, 12, (2, 2, 5, 8)), box))
    return records


def test_random_sentence_is_seeded_and_differs_from_best():
    records = _two_sentence_refs()
    best, _ = CHOOSE.choose(records, sentence="best")
    assert sorted(best) == list(range(20))
    first, _ = CHOOSE.choose(records, sentence="random", seed=0)
    again, _ = CHOOSE.choose(records[::-1], sentence="random", seed=0)  # file order is moot
    other, _ = CHOOSE.choose(records, sentence="random", seed=1)
    assert sorted(first) == sorted(again)
    # a ref is kept exactly when its fitting sentence was drawn
    drawn = CHOOSE.draw_sentences(records, 0)
    assert sorted(first) == sorted(records[i]["ref_id"] for i in drawn if i % 2 == 0)
    assert 0 < len(first) < 20 and sorted(first) != sorted(other)


def test_multi_polygon_option():
    box = (2, 2, 12, 12)
    ring = _fits(16, 16, box)
    ring[6:9, 6:9] = False
    records = [_record(1, 10, ring, box)]
    assert CHOOSE.choose(records)[0] == {}
    assert CHOOSE.choose(records)[1]["num_multi_polygon"] == 1
    assert list(CHOOSE.choose(records, keep_multi_polygon=True)[0]) == [1]
    with pytest.raises(ValueError, match="sentence"):
        CHOOSE.choose(records, sentence="first")


def test_missing_prediction_file_is_named(tmp_path):
    proc = _run("--pred", tmp_path / "x.json", "--ratio", "1")
    assert proc.returncode != 0 and "x.json" in proc.stderr


def test_labeled_from_supervision_file(tmp_path):
    box = (2, 2, 8, 8)
    records = [
        _record(1, 10, _fits(12, 12, box), box, supervision="mask"),
        _record(2, 20, _fits(12, 12, box), box, supervision="mask"),
    ]
    (tmp_path / "p.json").write_text(json.dumps(records))
    (tmp_path / "sup.json").write_text(json.dumps({"mask": [2], "box": [1]}))
    out = tmp_path / "o.json"
    proc = _run("--pred", tmp_path / "p.json", "--labeled", tmp_path / "sup.json", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(json.loads(out.read_text())) == ["1"]


def _dumped_without_split(tmp_path):
    """Records as tools/test.py --out writes them on a dataset without supervision_file (every
    ref 'mask'), images under data/ds/images, the dataset's 5 % file labelling ref 3."""
    box = (2, 2, 8, 8)
    img = tmp_path / "data" / "ds" / "images" / "1.png"
    records = [
        dict(_record(r, 10 * r, _fits(12, 12, box), box, supervision="mask"), img_path=str(img))
        for r in (1, 2, 3)
    ]
    pred = tmp_path / "work" / "train_preds.json"
    pred.parent.mkdir()
    pred.write_text(json.dumps(records))
    ann = tmp_path / "data" / "ds"
    ann.mkdir(parents=True)
    (ann / "supervision_5pct.json").write_text(
        json.dumps({"ratio": 0.05, "seed": 0, "mask": [3], "box": [1, 2]})
    )
    (ann / "supervision_1pct.json").write_text(
        json.dumps({"ratio": 0.01, "seed": 0, "mask": [], "box": [1, 2, 3]})
    )
    return pred, ann


def test_ratio_reads_the_datasets_supervision_file(tmp_path):
    pred, ann = _dumped_without_split(tmp_path)
    proc = _run("--pred", pred, "--ratio", "5")
    assert proc.returncode == 0, proc.stderr
    assert "supervision_5pct.json" in proc.stderr
    out = pred.with_name("pseudo_rpp_5pct.json")
    assert sorted(json.loads(out.read_text())) == ["1", "2"]  # ref 3 has its GT mask
    stats = json.loads(proc.stdout.splitlines()[0])
    assert stats["num_labeled"] == 1 and stats["num_candidates"] == 2
    # --ann-dir names the folder when the images do not lie below it
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (ann / "supervision_5pct.json").rename(moved / "supervision_5pct.json")
    proc = _run("--pred", pred, "--ratio", "5")
    assert proc.returncode != 0 and "supervision_5pct.json" in proc.stderr
    assert "--ann-dir" in proc.stderr
    proc = _run("--pred", pred, "--ratio", "5", "--ann-dir", moved, "--out", tmp_path / "o.json")
    assert proc.returncode == 0, proc.stderr


def test_labeled_file_must_match_the_ratio(tmp_path):
    pred, ann = _dumped_without_split(tmp_path)
    proc = _run("--pred", pred, "--labeled", ann / "supervision_1pct.json", "--ratio", "5")
    assert proc.returncode != 0
    assert "supervision_1pct.json is a 1 % mask split, not the --ratio 5 % one" in proc.stderr
    assert not pred.with_name("pseudo_rpp_5pct.json").exists()


def test_nothing_to_choose_from_is_an_error(tmp_path):
    pred, _ = _dumped_without_split(tmp_path)
    out = tmp_path / "o.json"
    proc = _run("--pred", pred, "--out", out)
    assert proc.returncode != 0 and not out.exists()
    assert "nothing to choose from" in proc.stderr and "--ratio" in proc.stderr
    # a supervision file of another dataset labels none of these refs
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"mask": [99], "box": [98]}))
    proc = _run("--pred", pred, "--labeled", other, "--out", out)
    assert proc.returncode != 0 and "lists none of the 3 refs" in proc.stderr


def test_labeler_comes_from_the_config(tmp_path):
    pred, _ = _dumped_without_split(tmp_path)
    out = tmp_path / "o.json"
    proc = _run(
        "--pred",
        pred,
        "--ratio",
        "5",
        "--out",
        out,
        "--cfg-options",
        "pseudo_labeler.score_thr=0.0",
    )  # P < 0 never holds
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == {}
    cfg = tmp_path / "not_a_mask_labeler.py"
    cfg.write_text(
        "pseudo_labeler = dict(type='SynthProposalLabeler', "
        "mask_generator=dict(type='ColourRegionGenerator'))\n"
    )
    proc = _run("--pred", pred, "--ratio", "5", "--out", out, "--config", cfg)
    assert proc.returncode != 0 and "does not write pseudo masks" in proc.stderr
