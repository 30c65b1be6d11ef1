"""The batch-norm layout benchmark: every timing present and positive on small maps."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_batch_norm_timings(load_benchmark):
    bench = load_benchmark("batch_norm_layouts")
    for channels_last in (False, True):
        out = bench.batch_norm_ms(2, 4, 8, channels_last, reps=1)
        assert out["forward_ms"] > 0 and out["backward_ms"] > 0
    trip = bench.round_trip_ms(2, 4, 8, reps=1)
    assert trip["direct_ms"] > 0 and trip["via_nchw_ms"] > 0


def test_backbone_eager_and_compiled(load_benchmark, monkeypatch):
    monkeypatch.chdir(ROOT)
    bench = load_benchmark("batch_norm_layouts")
    out = bench.backbone_ms("configs/tiny/tiny_ris.py", batch=1, reps=1)
    assert out["eager_ms"] > 0 and out["compiled_ms"] > 0
