"""tools/choose_pseudo.py on a hand-made prediction file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from risseg.utils.masks import mask_to_rle, rle_to_mask

ROOT = Path(__file__).resolve().parents[2]


def _record(ref_id, sent_id, mask, box, supervision="box", iou=None):
    rec = dict(
        ref_id=ref_id, sent_id=sent_id, image_id=1, ann_id=ref_id, supervision=supervision,
        height=mask.shape[0], width=mask.shape[1], pred_rle=mask_to_rle(mask), gt_bbox=list(box),
    )
    if iou is not None:
        rec["iou"] = iou
    return rec


def _box(h, w, box):
    m = np.zeros((h, w), bool)
    m[box[1] : box[3], box[0] : box[2]] = True
    return m


def test_choose_pseudo_end_to_end(tmp_path):
    box = (2, 2, 8, 8)
    half = _box(12, 12, (2, 2, 5, 8))
    records = [
        _record(1, 10, _box(12, 12, box), box, iou=0.9),  # fits its box: kept
        _record(2, 20, half, box, iou=0.4),  # half the box: rejected
        _record(2, 21, _box(12, 12, box), box, iou=0.8),  # a second sentence fits: kept
        _record(3, 30, _box(12, 12, box), box, supervision="mask"),  # labeled: skipped
        _record(4, 40, np.zeros((12, 12), bool), box),  # empty: rejected
    ]
    pred = tmp_path / "preds.json"
    pred.write_text(json.dumps(records))
    out = tmp_path / "pseudo.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/choose_pseudo.py"), "--pred", str(pred),
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    pseudo = json.loads(out.read_text())
    assert sorted(pseudo) == ["1", "2"]
    np.testing.assert_array_equal(rle_to_mask(pseudo["2"]), _box(12, 12, box))
    stats = json.loads(proc.stdout.splitlines()[0])
    assert stats["num_candidates"] == 3 and stats["num_kept"] == 2 and stats["num_labeled"] == 1
    # records of refs without masks whose mask's bounding box has IoU >= 0.5 with the GT box:
    # the full box twice and the half box (IoU exactly 0.5), not the empty mask
    assert stats["candidate_box_acc50"] == 0.75
    assert stats["box_hit_mean_iou"] == pytest.approx((0.9 + 0.4 + 0.8) / 3)


def test_missing_prediction_file_is_named(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/choose_pseudo.py"), "--pred", str(tmp_path / "x.json"),
         "--ratio", "1"],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode != 0 and "x.json" in proc.stderr


def test_labeled_from_supervision_file(tmp_path):
    box = (2, 2, 8, 8)
    records = [_record(1, 10, _box(12, 12, box), box, supervision="mask"),
               _record(2, 20, _box(12, 12, box), box, supervision="mask")]
    (tmp_path / "p.json").write_text(json.dumps(records))
    (tmp_path / "sup.json").write_text(json.dumps({"mask": [2], "box": [1]}))
    out = tmp_path / "o.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/choose_pseudo.py"), "--pred", str(tmp_path / "p.json"),
         "--labeled", str(tmp_path / "sup.json"), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(json.loads(out.read_text())) == ["1"]
