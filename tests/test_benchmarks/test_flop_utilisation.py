"""The FLOP-utilisation benchmark on the tiny config: every figure present and consistent."""

import math
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def test_matmul_rate_and_flop_count(load_benchmark):
    bench = load_benchmark("flop_utilisation")
    assert bench.matmul_gflops(n=64, reps=2) > 0
    a, b = torch.randn(8, 16), torch.randn(16, 4)
    assert bench.count_flops(lambda: a @ b) == 2 * 8 * 16 * 4


def test_kernel_seconds_count_matmuls_only(load_benchmark):
    bench = load_benchmark("flop_utilisation")
    a = torch.randn(256, 256)
    assert bench.kernel_cpu_seconds(lambda: a @ a) > 0
    assert bench.kernel_cpu_seconds(lambda: (a.relu() + 1).sum()) == 0


def test_tiny_config_figures(load_benchmark, monkeypatch):
    monkeypatch.chdir(ROOT)
    before = torch.get_num_threads()
    bench = load_benchmark("flop_utilisation")
    try:
        out = bench.measure("configs/tiny/tiny_ris.py", iters=2, warmup=1, test_batches=1)
    finally:
        torch.set_num_threads(before)
    assert out["threads"] == 1 and len(out["peak_gflops_samples"]) == 3
    assert out["train_gflop_per_step"] > 0 and out["test_gflop_per_image"] > 0
    # backward costs FLOPs too: the whole step counts more than its forward pass
    per_image = out["train_gflop_per_step"] / out["train_batch"]
    assert per_image == pytest.approx(out["train_gflop_per_image"])
    assert out["train_forward_gflop_per_image"] < per_image
    assert 0 <= out["train_data_share"] <= 1
    expected = out["train_gflop_per_step"] / out["train_cpu_s_per_step"] / out["peak_gflops"]
    assert math.isclose(out["train_fraction_of_peak"], expected, rel_tol=1e-9)
    kernel_s = out["train_kernel_cpu_s_per_step"]
    assert kernel_s > 0
    assert math.isclose(out["train_kernel_share"], kernel_s / out["train_cpu_s_per_step"])
    ceiling = out["train_gflop_per_step"] / kernel_s / out["peak_gflops"]
    assert math.isclose(out["train_kernel_fraction_of_peak"], ceiling, rel_tol=1e-9)
