"""The SemiRES benchmark: configs moved to another preset's data; large-preset-only runs."""

import json
import math
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_rebased_config_moves_roots_vocab_proposals_and_preset(tmp_path, load_benchmark):
    bench = load_benchmark("semires_label_efficiency")
    config = str(ROOT / "configs" / "semires" / "semires_tiny_synthref-1pct-cpi.py")
    assert bench.rebased_config(config, "default", str(tmp_path)) == config
    cfg = Config.fromfile(bench.rebased_config(config, "large", str(tmp_path)))
    text = cfg.pretty_text
    assert "data/synthref/" not in text and "'data/synthref'" not in text
    labeled, unlabeled = cfg.train_dataloader.dataset.datasets
    assert labeled.data_root == unlabeled.data_root == "data/synthref_large"
    assert labeled.preset == "large" and cfg.val_dataloader.dataset.preset == "large"
    assert unlabeled.pipeline[-1].proposal_dir == "data/synthref_large/proposals"
    tokenize = [t for t in unlabeled.pipeline if t.type == "TokenizeText"][0]
    assert tokenize.tokenizer.vocab == "data/synthref_large/vocab.json"
    # everything else is untouched
    assert cfg.model.type == "SemiRESSegmentor" and cfg.model.pseudo_labeler.strategy == "cpi"
    assert cfg.train_cfg.max_epochs == Config.fromfile(config).train_cfg.max_epochs


def test_large_only_runs_are_refused_on_the_default_preset(
    tmp_path, monkeypatch, capsys, load_benchmark
):
    bench = load_benchmark("semires_label_efficiency")
    runs = sys.modules["semires.runs"]
    assert runs.RUNS["lavt_1pct_long"].large_only and not runs.RUNS["lavt_1pct"].large_only
    assert runs.burn_in_of("semires_cpi_long") == "lavt_1pct_long" in runs.LARGE_BUDGETS
    monkeypatch.setattr(
        "sys.argv",
        ["semires_label_efficiency.py", "--only", "lavt_1pct_long", "--out", str(tmp_path)],
    )
    with pytest.raises(SystemExit) as exc:
        bench.main()
    assert exc.value.code == 2
    assert "--preset large only" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()  # refused before anything was written


def test_report_compares_each_run_with_its_own_reference(load_benchmark):
    bench = load_benchmark("semires_label_efficiency")

    def row(miou, iterations, batch):
        return dict(
            description="x",
            mIoU=miou,
            oIoU=miou,
            iterations=iterations,
            batch_size=batch,
            train_img_per_s=1.0,
            peak_rss_mib=1.0,
        )

    results = {
        "lavt_100pct": row(40.0, 2657, 16),
        "lavt_100pct_2x": row(50.0, 5314, 16),
        "lavt_1pct_long": row(20.0, 1080, 16),
        "semires_cpi_long": row(30.0, 1350, 12),
        "semires_cpi_2x": row(30.0, 4300, 12),  # 1080 + 4300 > 5314 iterations
    }
    lines = bench.report(results)
    cpi_long = [ln for ln in lines if "| semires_cpi_long |" in ln][0]
    cpi_2x = [ln for ln in lines if "| semires_cpi_2x |" in ln][0]
    assert "| 75% |" in cpi_long and "| 60% |" in cpi_2x
    budget = {ln.split(":")[0]: ln for ln in lines if ln.startswith("budget")}
    assert budget["budget semires_cpi_long"].endswith(": fair")
    assert "lavt_100pct_2x 5314 / 85024" in budget["budget semires_cpi_2x"]
    assert budget["budget semires_cpi_2x"].endswith("NOT fair: the reference trained less")


def test_budget_multiples_fit_in_their_reference(load_benchmark):
    """burn-in + CPI <= the k-epoch 100% reference, in iterations and samples (large preset:
    42498 train refs, 425 labeled; the burn-in is 40 epochs of the labeled refs, batch 16)."""
    load_benchmark("semires_label_efficiency")
    runs = sys.modules["semires.runs"]
    burn_in_it = math.ceil(425 / 16) * 40
    for k, (_, length) in runs.BUDGET_MULTIPLES.items():
        assert runs.reference_of(f"semires_cpi_{k}x") == f"lavt_100pct_{k}x"
        assert runs.burn_in_of(f"semires_cpi_{k}x") == "lavt_1pct_long"
        options = dict(o.split("=") for o in runs.RUNS[f"semires_cpi_{k}x"].options)
        assert options["train_dataloader.sampler.epoch_length"] == str(length)
        cpi_it = int(options["train_cfg.max_epochs"]) * length
        ref_it = k * math.ceil(42498 / 16)
        assert burn_in_it + cpi_it <= ref_it
        assert burn_in_it * 16 + cpi_it * 12 <= ref_it * 16


def test_seed_summary_means_ratios_and_gains_over_seeds(tmp_path, load_benchmark):
    bench = load_benchmark("semires_label_efficiency")

    def write(out, name, miou, oiou):
        (out / name).mkdir(parents=True, exist_ok=True)
        test = dict(mIoU=miou - 1, oIoU=oiou - 1)  # evaluated on the test split (--test-split)
        (out / name / "result.json").write_text(json.dumps(dict(mIoU=miou, oIoU=oiou, test=test)))

    seed_a, seed_b = tmp_path / "a", tmp_path / "b"
    for out, ref, cpi, burn in ((seed_a, 40.0, 34.0, 26.0), (seed_b, 42.0, 35.0, 27.0)):
        write(out, "lavt_100pct_4x", ref, ref - 5)
        write(out, "semires_cpi_4x", cpi, cpi - 4)
        write(out, "lavt_1pct_long", burn, burn)
    write(seed_a, "semires_cpi_3x", 30.0, 30.0)  # not finished in seed b: left out
    # seed a's burn-in was not evaluated on the test split
    (seed_a / "lavt_1pct_long" / "result.json").write_text(json.dumps(dict(mIoU=26.0, oIoU=26.0)))
    (seed_b / "results.json").write_text(json.dumps({"lavt_1pct_long": {"mIoU": 0.0}}))
    results = {str(out): bench.load_results(str(out)) for out in (seed_a, seed_b)}
    assert results[str(seed_b)]["lavt_1pct_long"]["mIoU"] == 27.0  # the run's own file wins
    lines = bench.seed_summary(results)
    assert lines[0].startswith("2 seeds: ")
    split = lines.index("test split (testA + testB), the same checkpoints:")

    def rows(part):
        return {
            ln.split(" | ")[0].strip("| "): ln
            for ln in part
            if ln.startswith("| ") and not ln.startswith("| run")
        }

    val, test = rows(lines[:split]), rows(lines[split:])
    assert set(val) == {"lavt_1pct_long", "lavt_100pct_4x", "semires_cpi_4x"}
    cells = [c.strip() for c in val["semires_cpi_4x"].strip("|").split("|")]
    # mean 34.5 (sd 0.71); 34.5 / 41 = 84.1%; oIoU 30.5 / 36 = 84.7%; per seed 85.0 / 83.3
    assert cells[1:] == ["34.50 (0.71)", "30.50 (0.71)", "84.1%", "84.7%", "85.0 / 83.3", "+8.00"]
    assert val["lavt_100pct_4x"].endswith("| - | - | - | - |")
    # test split: one seed's burn-in was not evaluated there, so no gain over it
    assert set(test) == {"lavt_100pct_4x", "semires_cpi_4x"}
    cells = [c.strip() for c in test["semires_cpi_4x"].strip("|").split("|")]
    assert cells[1:] == ["33.50 (0.71)", "29.50 (0.71)", "83.8%", "84.3%", "84.6 / 82.9", "-"]


def test_evaluate_on_test_stores_the_test_split_figures_once(tmp_path, monkeypatch, load_benchmark):
    bench = load_benchmark("semires_label_efficiency")
    (tmp_path / "semires_cpi_4x").mkdir()
    result = dict(mIoU=35.0, oIoU=31.0, checkpoint="best_oIoU_epoch_7.pth")
    (tmp_path / "semires_cpi_4x" / "result.json").write_text(json.dumps(result))
    calls = []

    def fake_launch(cmd, log, threads=None, cwd=None):
        calls.append(cmd)
        output = "loading...\n{'mIoU': 33.5, 'oIoU': 29.5, 'prec@0.5': 30.0}\n"
        return dict(wall_s=1.0, peak_rss_mib=1.0, output=output)

    monkeypatch.setattr(bench.runner, "launch", fake_launch)
    monkeypatch.setattr(bench, "rebased_config", lambda config, preset, out: config)
    test = bench.evaluate_on_test("semires_cpi_4x", str(tmp_path), "large")
    assert (test["mIoU"], test["oIoU"], test["split"]) == (33.5, 29.5, "test")
    assert calls[0][2:4] == [bench.RUNS["semires_cpi_4x"].config, "best_oIoU_epoch_7.pth"]
    saved = json.loads((tmp_path / "semires_cpi_4x" / "result.json").read_text())
    assert saved["mIoU"] == 35.0 and saved["test"]["mIoU"] == 33.5  # val figures kept
    assert bench.evaluate_on_test("semires_cpi_4x", str(tmp_path), "large") == test
    assert len(calls) == 1  # evaluated once


def test_run_config_appends_the_runs_extra_hooks(tmp_path, load_benchmark):
    """The late all-sentences run trains CPI's config with the option switched on at epoch 6
    of 12, against the 4x reference and from the 40-epoch burn-in; other runs keep their config."""
    from mmengine.config import Config

    bench = load_benchmark("semires_label_efficiency")
    name = "semires_cpi_allsent_late_4x"
    path = bench.run_config(name, "default", str(tmp_path))
    assert path == str(tmp_path / "configs" / f"{name}.py")
    hooks = Config.fromfile(path).custom_hooks
    assert [h["type"] for h in hooks] == [
        "EMATeacherHook",
        "ResumableEarlyStoppingHook",
        "ModelOptionSwitchHook",
    ]
    assert hooks[2]["option"] == "teacher_all_sentences" and hooks[2]["begin_epoch"] == 6
    runs = sys.modules["semires.runs"]
    options = dict(o.split("=") for o in runs.RUNS[name].options)
    assert options["train_cfg.max_epochs"] == "12"
    assert runs.reference_of(name) == "lavt_100pct_4x"
    assert runs.burn_in_of(name) == "lavt_1pct_long" and runs.RUNS[name].large_only
    cpi = bench.run_config("semires_cpi_4x", "default", str(tmp_path))
    assert cpi == runs.RUNS["semires_cpi_4x"].config


def run_model(bench, name: str):
    """The model run ``name`` trains: its config with its --cfg-options applied, built."""
    import argparse

    from mmengine.config import DictAction
    from mmengine.registry import DefaultScope

    from risseg.models.utils import build

    config, options = bench.RUNS[name].config, bench.RUNS[name].options
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, default={})
    cfg = Config.fromfile(str(ROOT / config))
    cfg.merge_from_dict(parser.parse_args(["--cfg-options", *options]).cfg_options)
    with DefaultScope.overwrite_default_scope("risseg"):
        return cfg, build(cfg.model.to_dict())


def test_no_hue_run_is_plain_cpi_at_4x_without_hue_shift(load_benchmark):
    """semires_cpi_nohue_4x: CPI's 4x schedule, burn-in and reference; the model it builds
    differs from CPI's only in the strong view's hue range, which is zero."""
    bench = load_benchmark("semires_label_efficiency")
    name = "semires_cpi_nohue_4x"
    cpi_cfg, cpi = run_model(bench, "semires_cpi_4x")
    cfg, model = run_model(bench, name)
    assert model.views.ranges["hue"] == (0.0, 0.0) != cpi.views.ranges["hue"]
    assert {k: v for k, v in model.views.ranges.items() if k != "hue"} == {
        k: v for k, v in cpi.views.ranges.items() if k != "hue"
    }
    cfg.model.pop("views")
    assert cfg.to_dict() == cpi_cfg.to_dict()  # schedule, data and every other model option
    runs = sys.modules["semires.runs"]
    assert runs.reference_of(name) == "lavt_100pct_4x"
    assert runs.burn_in_of(name) == "lavt_1pct_long" and runs.RUNS[name].large_only


def test_runs_on_standin_proposals_are_opt_in(load_benchmark):
    bench = load_benchmark("semires_label_efficiency")
    runs = sys.modules["semires.runs"]
    assert all(run.proposals in runs.PROPOSAL_FOLDERS for run in runs.RUNS.values())
    assert runs.RUNS["semires_cpi_standin"].proposals == runs.STANDIN_PROPOSALS
    for preset in ("default", "large"):
        assert "semires_cpi_standin" not in bench.run_order(preset)
        assert "semires_cpi" in bench.run_order(preset)
    assert bench.proposals_key(runs.HEURISTIC_PROPOSALS) == "proposals"
    assert bench.proposals_key(runs.STANDIN_PROPOSALS) == "proposals_standin_proposals"
