"""tools/analysis/metrics_by_words.py: mIoU / oIoU of sentences with and without some words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from risseg.testing import run_script
from risseg.utils.masks import mask_to_rle

ROOT = Path(__file__).resolve().parents[2]
TOOL = str(ROOT / "tools/analysis/metrics_by_words.py")


def _record(text: str, pred: np.ndarray, gt: np.ndarray) -> dict:
    inter, union = (pred & gt).sum(), (pred | gt).sum()
    return dict(
        ref_id=0,
        text=text,
        iou=float(inter / union),
        pred_rle=mask_to_rle(pred),
        gt_rle=mask_to_rle(gt),
    )


def _run(*args: str) -> dict:
    return run_script(TOOL, *args)


def test_split_by_colour_words(tmp_path):
    gt = np.zeros((8, 8), bool)
    gt[:4, :4] = True  # 16 px
    half = np.zeros((8, 8), bool)
    half[:2, :4] = True  # I 8, U 16
    big = np.zeros((8, 8), bool)
    big[:4, :] = True  # I 16, U 32
    records = [
        _record("the Red circle", gt, gt),
        _record("red-ish star", half, gt),
        _record("reddish star", big, gt),
        _record("the square", half, gt),
    ]
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(records))
    out = _run(str(path), "--out", str(tmp_path / "m.json"))[str(path)]
    assert out["with"]["sentences"] == 2  # whole words: "reddish" is not "red"
    assert out["with"]["mIoU"] == pytest.approx(100 * (1 + 0.5) / 2)
    assert out["with"]["oIoU"] == pytest.approx(100 * (16 + 8) / (16 + 16))
    assert out["without"]["mIoU"] == pytest.approx(100 * (0.5 + 0.5) / 2)
    assert out["without"]["oIoU"] == pytest.approx(100 * (16 + 8) / (32 + 16))
    saved = json.loads((tmp_path / "m.json").read_text())
    assert "red" in saved["words"] and saved["results"][str(path)] == out

    only = _run(str(path), "--words", "square")[str(path)]
    assert only["with"]["sentences"] == 1 and only["without"]["sentences"] == 3


def test_a_record_without_masks_is_named(tmp_path):
    path = tmp_path / "preds.json"
    path.write_text(json.dumps([dict(ref_id=7, text="red", iou=0.5)]))
    with pytest.raises(KeyError, match=r"record 0 \(ref 7\) lacks \['pred_rle', 'gt_rle'\]"):
        _run(str(path))
