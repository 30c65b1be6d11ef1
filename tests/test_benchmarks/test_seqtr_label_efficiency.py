"""The SeqTR / Partial-RES benchmark relaunches interrupted runs with --resume and skips
finished ones (it used to take any epoch checkpoint as the end of a run)."""


def test_train_resumes_interrupted_runs_and_skips_finished_ones(tmp_path, monkeypatch,
                                                                load_benchmark):
    bench = load_benchmark("seqtr_label_efficiency")
    calls = []

    def fake_run(cmd, log, threads):
        calls.append(cmd)
        work = tmp_path / "step"
        work.mkdir(exist_ok=True)
        for epoch in (1, 2, 3):  # the run reaches its last epoch
            (work / f"epoch_{epoch}.pth").write_bytes(b"")
        return ""

    monkeypatch.setattr(bench, "run", fake_run)
    (tmp_path / "step").mkdir()
    (tmp_path / "step" / "epoch_1.pth").write_bytes(b"")  # interrupted after epoch 1
    assert bench.train("step", "cfg.py", tmp_path, 1).name == "epoch_3.pth"
    assert len(calls) == 1 and "--resume" in calls[0]
    assert bench.train("step", "cfg.py", tmp_path, 1).name == "epoch_3.pth"
    assert len(calls) == 1  # finished: not launched again
