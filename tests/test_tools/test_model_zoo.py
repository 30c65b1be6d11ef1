"""tools/model_zoo_synthref.py: its commands (dry run) and one tiny real zoo step."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from mmengine.config import Config

from risseg.testing import load_script

ROOT = Path(__file__).resolve().parents[2]
zoo = load_script(ROOT / "tools" / "model_zoo_synthref.py")
# option keys whose parent the config does not spell out: SemiRESSegmentor's strong-view
# arguments keep their defaults in the configs (model.views is built from its own defaults)
NOT_IN_CONFIG = {"model.views.hue"}
# arguments the configs leave at their defaults, which the zoo sets (tools/train.py's ema switch,
# encoder weights, dataset / evaluator arguments); any other key must exist in the config
NEW_LEAVES = {"ema", "pretrained", "sentence_mode", "out_file", "pseudo_ann_file"}


def _dry_run(capsys, *argv: str) -> list[list[str]]:
    zoo.main(["--dry-run", *argv])
    return [
        shlex.split(line)
        for line in capsys.readouterr().out.splitlines()
        if not line.startswith("#")
    ]


def _known(cfg: dict, key: str) -> bool:
    """Every component of ``key`` exists in ``cfg`` (list indices in range), or all but a last
    one of :data:`NEW_LEAVES`."""
    *parents, leaf = key.split(".")
    node = cfg
    for part in parents:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return isinstance(node, dict) and (leaf in node or leaf in NEW_LEAVES)


def test_dry_run_commands_are_well_formed(capsys, tmp_path):
    commands = _dry_run(capsys, "--work-dir", str(tmp_path))
    # one command per step, plus val and test evaluations of every zoo model
    assert len(commands) == len(zoo.STEPS) + 2 * sum(s.row is not None for s in zoo.STEPS)
    configs = {}
    for cmd in commands:
        tool = ROOT / cmd[1]
        assert tool.is_file(), cmd
        if tool.stem == "choose_pseudo":
            assert {"--pred", "--labeled", "--out"} <= set(cmd[2::2]), cmd
            continue
        assert (ROOT / cmd[2]).is_file(), f"config {cmd[2]} of {shlex.join(cmd)}"
        if tool.stem not in ("train", "test"):
            continue
        assert cmd[cmd.index("--work-dir") + 1].startswith(str(tmp_path))
        assert cmd[cmd.index("--preset") + 1] in ("default", "large")
        if tool.stem == "train":
            assert "--resume" in cmd
        opts = cmd[cmd.index("--cfg-options") + 1 :] if "--cfg-options" in cmd else []
        cfg = configs.setdefault(cmd[2], Config.fromfile(str(ROOT / cmd[2])).to_dict())
        for opt in opts:
            if opt.startswith("<"):  # RPP epochs, known once RPP has run
                continue
            key, value = opt.split("=", 1)
            assert value, opt
            assert key in NOT_IN_CONFIG or _known(cfg, key), f"{cmd[2]}: {key}"


def test_every_placeholder_names_a_needed_step():
    names = [s.name for s in zoo.STEPS]
    for i, step in enumerate(zoo.STEPS):
        assert set(step.needs) <= set(names[:i]), step.name
        for kind, name in re.findall(r"\{(ckpt|dir|rpp_schedule):(\w+)\}", " ".join(step.args)):
            assert name in step.needs or (kind == "dir" and name == step.name), (step.name, name)
    assert {s.method for s in zoo.STEPS} == set(zoo.METHODS)


def test_only_adds_the_steps_a_method_needs():
    names = [s.name for s in zoo.select(["partial_res"])]
    assert names[0] == "det" and "seqtr" not in names and "joint_1pct_rpp" in names
    names = [s.name for s in zoo.select(["semires_cpi"])]
    assert names == ["encoders", "proposals", "semires_burnin", "semires_cpi"]
    with pytest.raises(SystemExit, match="unknown"):
        zoo.select(["seqtr_typo"])


@pytest.mark.parametrize("labeled,kept", [(67, 252), (67, 0), (3000, 3000)])
def test_rpp_schedule_gives_about_300_iterations(labeled, kept):
    opts = dict(o.split("=", 1) for o in zoo.rpp_schedule(dict(num_labeled=labeled, num_kept=kept)))
    epochs = int(opts["train_cfg.max_epochs"])
    per_epoch = -(-(labeled + kept) // 32)
    assert epochs == 5 or 300 <= epochs * per_epoch < 300 + per_epoch
    assert opts["param_scheduler.1.end"] == str(epochs)


@pytest.mark.slow
def test_tiny_baseline_step_trains_evaluates_and_resumes(tmp_path, capsys):
    """The baseline zoo step for one short epoch on the 'tiny' preset, then a second launch
    that finds it finished."""
    loaders = [
        f"{loader}.{k}"
        for loader in ("train_dataloader", "val_dataloader")
        for k in ("num_workers=0", "persistent_workers=False")
    ]
    argv = [
        "--only",
        "baseline",
        "--preset",
        "tiny",
        "--data-root",
        str(tmp_path / "synthref"),
        "--work-dir",
        str(tmp_path / "zoo"),
        "--train-options",
        "train_cfg.max_epochs=1",
        "train_dataloader.dataset.indices=8",
        *loaders,
        "--eval-options",
        "test_dataloader.dataset.indices=4",
        "test_dataloader.num_workers=0",
        "test_dataloader.persistent_workers=False",
    ]
    rows = zoo.main(argv)
    assert [r["name"] for r in rows] == ["baseline"]
    for split in ("val", "test"):
        assert 0 <= rows[0][split]["mIoU"] <= 100 and rows[0][split]["num_samples"] == 4
    ckpt = Path(rows[0]["checkpoint"])
    assert ckpt.name == "epoch_1.pth" and ckpt.is_file()
    saved = json.loads((tmp_path / "zoo" / "summary.json").read_text())
    assert saved == rows
    assert "| baseline |" in (tmp_path / "zoo" / "summary.md").read_text()

    stamp = ckpt.stat().st_mtime_ns
    capsys.readouterr()
    assert zoo.main(argv) == rows
    assert "done before, skipped" in capsys.readouterr().out
    assert ckpt.stat().st_mtime_ns == stamp
    dry = _dry_run(capsys, *argv)
    assert dry[1][3] == str(ckpt)  # the val evaluation reads the kept checkpoint
