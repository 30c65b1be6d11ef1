"""The paired option benchmark on the tiny config: pairs, same weights, summary figures."""

import statistics
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_config_pairs(load_benchmark, monkeypatch):
    monkeypatch.chdir(ROOT)
    bench = load_benchmark("option_speedup")
    out = bench.paired_step_times(
        "configs/tiny/tiny_ris.py",
        dict(env_cfg=dict(channels_last=False)),
        dict(env_cfg=dict(channels_last=True)),
        pairs=3,
        warmup=1,
        num_batches=2,
    )
    assert len(out["a_s"]) == len(out["b_s"]) == 3
    assert all(t > 0 for t in out["a_s"] + out["b_s"])
    ratios = [a / b for a, b in zip(out["a_s"], out["b_s"], strict=True)]
    assert out["speedup_median_of_pairs"] == pytest.approx(statistics.median(ratios))
    assert out["b_median_s"] == pytest.approx(statistics.median(out["b_s"]))


def test_options_that_change_the_weights_are_refused(load_benchmark, monkeypatch):
    monkeypatch.chdir(ROOT)
    bench = load_benchmark("option_speedup")
    with pytest.raises(RuntimeError, match="different weights"):
        bench.paired_step_times(
            "configs/tiny/tiny_ris.py", {}, dict(model=dict(head=dict(channels=4))), 1
        )
