"""The SeqTR / Partial-RES benchmark relaunches interrupted runs with --resume and skips
finished ones (it used to take any epoch checkpoint as the end of a run)."""


def test_train_resumes_interrupted_runs_and_skips_finished_ones(
    tmp_path, monkeypatch, load_benchmark
):
    bench = load_benchmark("seqtr_label_efficiency")
    calls = []

    def fake_launch(cmd, log, threads=None, cwd=None):
        calls.append(cmd)
        work = tmp_path / "step"
        work.mkdir(exist_ok=True)
        for epoch in (1, 2, 3):  # the run reaches its last epoch
            (work / f"epoch_{epoch}.pth").write_bytes(b"")
        return dict(wall_s=1.0, peak_rss_mib=1.0, output="")

    monkeypatch.setattr(bench.runner, "launch", fake_launch)
    (tmp_path / "step").mkdir()
    (tmp_path / "step" / "epoch_1.pth").write_bytes(b"")  # interrupted after epoch 1
    assert bench.train("step", "cfg.py", tmp_path, 1).name == "epoch_3.pth"
    assert len(calls) == 1 and "--resume" in calls[0]
    assert bench.train("step", "cfg.py", tmp_path, 1).name == "epoch_3.pth"
    assert len(calls) == 1  # finished: not launched again
