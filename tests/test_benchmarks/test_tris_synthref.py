"""benchmarks/tris_synthref.py: pseudo-mask quality against the hidden truth, the table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from risseg.utils.masks import mask_to_rle


def test_pseudo_quality_counts_missing_refs_as_zero(load_benchmark, tmp_path):
    bench = load_benchmark("tris_synthref")
    gt_a = np.zeros((4, 4), bool)
    gt_a[:2, :2] = True  # 4 pixels
    gt_b = np.zeros((4, 4), bool)
    gt_b[3, 3] = True
    pred_a = np.zeros((4, 4), bool)
    pred_a[:2, :1] = True  # 2 of the 4 pixels: IoU 0.5
    path = tmp_path / "pseudo.json"
    path.write_text(json.dumps({"1": mask_to_rle(pred_a)}))
    out = bench.pseudo_quality(path, {1: gt_a, 2: gt_b})
    assert out["mIoU"] == pytest.approx(100 * (0.5 + 0.0) / 2)
    assert out["oIoU"] == pytest.approx(100 * 2 / (4 + 1))
    assert out["refs_with_mask"] == 1 and out["refs"] == 2


def test_table_has_a_row_per_seed(load_benchmark):
    bench = load_benchmark("tris_synthref")
    run = dict(val_mIoU=1.0, test_mIoU=2.0, val_oIoU=3.0, test_oIoU=4.0)
    r = dict(
        stage1=dict(val_PointM=50.0, val_mIoU=10.0, val_oIoU=11.0, mask_thr=0.3),
        pseudo_prms=dict(mIoU=20.0, oIoU=21.0),
        stage2_pseudo=run,
        stage2_full=dict(run, test_mIoU=4.0),
        pseudo_over_full_test_mIoU=50.0,
    )
    lines = bench.table({"0": r, "1": dict(r, pseudo_irn=dict(mIoU=30.0, oIoU=31.0))}).splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| 0 | 50.0 / 10.00 / 11.00 (t = 0.3) | 20.00 / 21.00 | - |")
    assert "| 20.00 / 21.00 | 30.00 / 31.00 |" in lines[3]
    assert lines[3].endswith("| 50.0% |")
