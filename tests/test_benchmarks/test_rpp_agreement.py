"""benchmarks/rpp_agreement.py: the synthetic set and the agreement count."""

from __future__ import annotations

import numpy as np
import pytest

from risseg.labelers.rpp import RPPLabeler
from risseg.utils.masks import mask_to_rle


def test_generate_is_seeded_and_varied(load_benchmark):
    bench = load_benchmark("rpp_agreement")
    a, b = bench.generate(30, seed=0), bench.generate(30, seed=0)
    assert a == b and a != bench.generate(30, seed=1)
    assert {r["kind"] for r in a} >= {"exact", "shift", "two_blobs"}
    for r in a:
        x, y, w, h = r["gt_bbox_xywh"]
        assert r["gt_bbox"] == [x, y, round(x + w, 2), round(y + h, 2)]
    per_ref = np.bincount([r["ref_id"] for r in a])
    assert per_ref.min() >= 2 and per_ref.max() <= 4


def test_compare_counts_disagreements(load_benchmark):
    bench = load_benchmark("rpp_agreement")
    records = bench.generate(12, seed=3)
    samples = bench.score_records(records, RPPLabeler())
    release = [
        dict(
            keep=bool(s.pseudo_keep),
            score=s.rpp_loss,
            mask_rle=mask_to_rle(s.pseudo_mask.data[0].numpy()) if s.pseudo_keep else None,
        )
        for s in samples
    ]
    res = bench.compare(records, release, "random", 0, False)
    assert res["prediction_agreement"] == 1.0 and res["ref_agreement"] == 1.0
    assert res["max_score_diff"] == 0.0
    release[0]["keep"] = not release[0]["keep"]
    res = bench.compare(records, release, "random", 0, False)
    assert res["prediction_agreement"] == pytest.approx(1 - 1 / len(records))
    with pytest.raises(ValueError, match="entries"):
        bench.compare(records, release[1:], "random", 0, False)
