"""benchmarks/runner.py: launching, resuming and collecting benchmark runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from risseg.testing import load_script

RUNNER = Path(__file__).resolve().parents[2] / "benchmarks" / "runner.py"


@pytest.fixture
def runner():
    return load_script(RUNNER)


def test_launch_appends_output_and_returns_this_launchs(tmp_path, runner):
    log = tmp_path / "run" / "train.log"
    code = (
        "import os, sys; print('{\"threads\": ' + os.environ['OMP_NUM_THREADS'] + '}'); "
        "print('warn', file=sys.stderr)"
    )
    first = runner.launch([sys.executable, "-c", code], log, threads=3)
    second = runner.launch([sys.executable, "-c", code.replace("warn", "again")], log, threads=1)
    assert first["output"] == '{"threads": 3}\nwarn\n'
    assert second["output"] == '{"threads": 1}\nagain\n'
    assert log.read_text() == first["output"] + second["output"]  # a relaunch keeps the first's
    assert second["wall_s"] > 0 and second["peak_rss_mib"] > 1
    assert runner.printed_metrics(second["output"], log) == {"threads": 1}
    with pytest.raises(RuntimeError, match="train.log"):
        runner.launch([sys.executable, "-c", "raise SystemExit(3)"], log)
    with pytest.raises(RuntimeError, match="printed no metrics; see x.log"):
        runner.printed_metrics("warn\n", "x.log")


def test_train_once_resumes_and_skips_a_finished_run(tmp_path, monkeypatch, runner):
    calls = []
    monkeypatch.setattr(
        runner,
        "launch",
        lambda cmd, log, threads=None, cwd=None: (
            calls.append((cmd, log, threads)) or dict(wall_s=1.0, peak_rss_mib=2.0, output="")
        ),
    )
    work = tmp_path / "run"
    first = runner.train_once("cfg.py", work, [], "done")
    assert calls[0][0][1:] == ["tools/train.py", "cfg.py", "--work-dir", str(work), "--resume"]
    assert calls[0][1] == work / "train.log" and first["resumed"] is False
    work.mkdir()
    (work / "last_checkpoint").write_text("epoch_1.pth")  # interrupted after a checkpoint
    again = runner.train_once("cfg.py", work, ["a=1"], "done", threads=1)
    assert again["resumed"] is True and again["cmd"].endswith("--resume --cfg-options a=1")
    assert calls[1][2] == 1
    (work / "done").write_text("")
    assert runner.train_once("cfg.py", work, [], "done") is None and len(calls) == 2


def test_read_scalars_spans_every_launch_of_a_resumed_run(tmp_path, runner):
    def launch(stamp, records):
        folder = tmp_path / stamp / "vis_data"
        folder.mkdir(parents=True)
        (folder / "scalars.json").write_text("\n".join(json.dumps(r) for r in records))

    launch(
        "20261204_090000",
        [
            {"loss": 1.0, "step": 10},
            {"mIoU": 20.0, "oIoU": 19.0, "step": 1},
            {"loss": 0.9, "step": 20},
            {"mIoU": 30.0, "oIoU": 29.0, "step": 2},
        ],
    )
    # interrupted during epoch 3, resumed from epoch 2's checkpoint in a new folder
    launch("20261204_100000", [{"loss": 0.8, "step": 30}, {"mIoU": 25.0, "oIoU": 24.0, "step": 3}])
    val, train = runner.read_scalars(tmp_path)
    assert [(r["step"], r["mIoU"]) for r in val] == [(1, 20.0), (2, 30.0), (3, 25.0)]
    assert [r["step"] for r in train] == [10, 20, 30]
    val, train = runner.read_scalars(tmp_path, last_launch=True)
    assert [r["step"] for r in val] == [3] and [r["step"] for r in train] == [30]
    with pytest.raises(FileNotFoundError, match="scalars.json"):
        runner.read_scalars(tmp_path / "none")


def test_save_results_keeps_what_a_parallel_job_saved(tmp_path, runner):
    path = tmp_path / "results.json"
    mine = runner.save_results(path, {"proposals": {"refs": 1}})  # this job starts
    runner.save_results(path, {"lavt_100pct": {"mIoU": 1.0}, "proposals": {"refs": 2}})  # another
    mine.update(runner.save_results(path, {"semires_cpi_long": {"mIoU": 2.0}}))
    saved = json.loads(path.read_text())
    assert (
        saved
        == mine
        == {
            "proposals": {"refs": 2},
            "lavt_100pct": {"mIoU": 1.0},
            "semires_cpi_long": {"mIoU": 2.0},
        }
    )
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary file left
