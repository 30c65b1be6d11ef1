"""tools/train_standins.py with a fake part: training, skipping, report, refusals, missing parts."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from risseg.testing._scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool():
    return load_script(ROOT / "tools" / "train_standins.py")


def _fake_part(calls: list):
    part = types.ModuleType("risseg.standins.fake")
    part.EPOCHS = 10

    def train_part(corpus_root, out_dir, *, seed=0, epochs=None, log=print):
        calls.append(("train", Path(corpus_root), epochs, seed))
        log("fake: epoch 1/1")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "done.json").write_text(json.dumps(dict(epochs=epochs, cpu_seconds=1.0)))

    def evaluate_part(out_dir, data_root, split="val"):
        calls.append(("eval", Path(data_root), split))
        return {"top1": 42.0}

    part.train_part, part.evaluate_part = train_part, evaluate_part
    return part


def _importer(calls, tool):
    fake = _fake_part(calls)
    return lambda name: fake if name == "fake" else tool.import_part(name)


def _args(tiny_corpus, tiny_benchmark, out, *extra):
    return [
        "--out",
        str(out),
        "--corpus",
        str(tiny_corpus),
        "--data-root",
        str(tiny_benchmark),
        *extra,
    ]


def test_trains_evaluates_reports_then_skips(tool, tiny_corpus, tiny_benchmark, tmp_path, capsys):
    calls: list = []
    argv = _args(
        tiny_corpus,
        tiny_benchmark,
        tmp_path / "out",
        "--parts",
        "fake",
        "--epochs-scale",
        "0.3",
        "--seed",
        "3",
    )
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "standins_report.json").write_text('{"other": {"val": {}}}')
    report = tool.main(argv, importer=_importer(calls, tool))
    assert calls == [("train", tiny_corpus, 3, 3), ("eval", tiny_benchmark, "val")]
    assert set(report) == {"other", "fake"}  # entries of other runs are kept
    saved = json.loads((tmp_path / "out" / "standins_report.json").read_text())
    assert saved == report and saved["fake"]["val"] == {"top1": 42.0}
    assert saved["fake"]["training"]["epochs"] == 3
    assert "fake: epoch 1/1" in capsys.readouterr().out
    calls.clear()
    tool.main(argv, importer=_importer(calls, tool))
    assert [c[0] for c in calls] == ["eval"]


def test_missing_part_fails_clearly_after_the_others(tool, tiny_corpus, tiny_benchmark, tmp_path):
    calls: list = []
    argv = _args(tiny_corpus, tiny_benchmark, tmp_path / "out", "--parts", "nosuchpart", "fake")
    with pytest.raises(SystemExit, match=r"risseg\.standins\.nosuchpart does not exist"):
        tool.main(argv, importer=_importer(calls, tool))
    report = json.loads((tmp_path / "out" / "standins_report.json").read_text())
    assert list(report) == ["fake"]
    with pytest.raises(RuntimeError, match="does not exist"):
        tool.import_part("nosuchpart")
    assert callable(tool.import_part("clip").train_part)


def test_refuses_the_benchmark_as_corpus(tool, tiny_corpus, tiny_benchmark, tmp_path):
    with pytest.raises(ValueError, match="is the benchmark"):
        tool.main(_args(tiny_benchmark, tiny_benchmark, tmp_path / "o", "--parts", "fake"))
    with pytest.raises(ValueError, match="seed 0 is the benchmark's"):
        tool.main(_args(tiny_benchmark, tiny_corpus, tmp_path / "o", "--parts", "fake"))
    missing = tmp_path / "new_corpus"
    with pytest.raises(ValueError, match="--corpus-seed 0"):
        tool.main(_args(missing, tiny_benchmark, tmp_path / "o", "--corpus-seed", "0"))


def test_generates_a_missing_corpus(tool, tiny_benchmark, tmp_path):
    calls: list = []
    corpus = tmp_path / "corpus"
    argv = _args(
        corpus, tiny_benchmark, tmp_path / "out", "--parts", "fake", "--preset", "tiny", "--no-eval"
    )
    report = tool.main(argv, importer=_importer(calls, tool))
    meta = json.loads((corpus / "synthref_meta.json").read_text())
    assert meta["seed"] == 1 and meta["preset"] == "tiny"
    assert [c[0] for c in calls] == ["train"] and "val" not in report["fake"]
