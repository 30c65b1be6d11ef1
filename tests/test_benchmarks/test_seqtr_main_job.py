"""benchmarks/seqtr_main_job.py: curves over relaunches, CPU cost summed, resume, plot."""

from __future__ import annotations

import json


def _write_scalars(path, records) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")


def _fake_run(tmp_path, out):
    """A first launch stopped after epoch 1; the relaunch re-validates epoch 1, then epoch 2."""
    _write_scalars(
        out / "20260101_000000" / "vis_data" / "scalars.json",
        [
            dict(loss=9.0, loss_mask=4.0, loss_box=4.5, step=10),
            dict(mIoU=5.0, oIoU=6.0, step=1),
        ],
    )
    _write_scalars(
        out / "20260101_010000" / "vis_data" / "scalars.json",
        [
            dict(mIoU=5.5, oIoU=6.5, step=1),
            dict(loss=7.0, loss_mask=3.0, loss_box=3.5, step=20),
            dict(mIoU=30.0, oIoU=33.0, step=2),
        ],
    )


def test_train_seed_reads_curves_and_sums_cost(tmp_path, monkeypatch, load_benchmark):
    bench = load_benchmark("seqtr_main_job")
    calls = []

    def fake_measured(cmd, log):
        calls.append(cmd)
        _fake_run(tmp_path, tmp_path / "seed3")
        return dict(main_cpu_s=600.0, worker_cpu_s=60.0, wall_s=1200.0)

    monkeypatch.setattr(bench, "run_measured", fake_measured)
    out = tmp_path / "seed3"
    out.mkdir()
    (out / "cpu.json").write_text(
        json.dumps([dict(main_cpu_s=120.0, worker_cpu_s=6.0, wall_s=300.0)])
    )  # an earlier launch
    run = bench.train_seed("cfg.py", 3, out, ["a=1"])
    assert len(calls) == 1 and "--resume" in calls[0] and "randomness.seed=3" in calls[0]
    assert calls[0][-1] == "a=1"
    assert [p["epoch"] for p in run["val_curve"]] == [1, 2]
    assert run["val_curve"][0]["mIoU"] == 5.5  # the relaunch's value of epoch 1
    assert (run["val_mIoU"], run["val_oIoU"]) == (30.0, 33.0)
    assert run["main_cpu_s"] == 720.0 and run["idle_2core_min"] == 12.0
    assert [p["iter"] for p in run["train_loss"]] == [10, 20]

    again = bench.train_seed("cfg.py", 3, out, [])  # finished: not launched again
    assert len(calls) == 1 and again["main_cpu_s"] == 720.0


def test_summary_and_plot(tmp_path, load_benchmark):
    bench = load_benchmark("seqtr_main_job")
    runs = []
    for seed, miou in ((0, 30.0), (1, 40.0)):
        curve = [
            dict(epoch=1, mIoU=miou / 2, oIoU=miou / 2),
            dict(epoch=2, mIoU=miou, oIoU=miou + 1),
        ]
        loss = [
            dict(iter=10, loss_mask=4.0, loss_box=4.0),
            dict(iter=20, loss_mask=3.0, loss_box=2.0),
        ]
        runs.append(
            dict(
                seed=seed,
                val_curve=curve,
                train_loss=loss,
                val_mIoU=miou,
                val_oIoU=miou + 1,
                idle_2core_min=10.0,
                main_cpu_s=600.0,
                worker_cpu_s=50.0,
                wall_s=900.0,
            )
        )
    summary = bench.summarise(runs)
    assert summary["val_mIoU"]["mean"] == 35.0
    assert abs(summary["val_mIoU"]["std"] - 7.0711) < 1e-3
    assert "test_mIoU" not in summary
    path = tmp_path / "curve.png"
    bench.plot(runs, path, "segm_synthref")
    assert path.is_file() and path.stat().st_size > 1000
