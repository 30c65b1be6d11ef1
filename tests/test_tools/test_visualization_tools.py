"""The picture tools as a user runs them: test.py --show-dir, show_predictions.py on the
pictures, analyze_logs.py on the training log, browse_dataset.py, print_config.py and
get_flops.py, on the tiny config and the tiny SynthRef preset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from risseg.registry import DATASETS
from risseg.testing import run_script, synthref_config
from risseg.utils.masks import mask_to_rle, segmentation_to_mask

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "configs" / "tiny" / "tiny_ris.py")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"},
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A 2-epoch run of the tiny config (its work_dir)."""
    work = tmp_path_factory.mktemp("tiny") / "run"
    proc = _run("tools/train.py", TINY, "--work-dir", str(work))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def test_show_dir_pictures_and_their_grid(tiny_run, tmp_path):
    show = tmp_path / "show"
    proc = _run(
        "tools/test.py",
        TINY,
        str(tiny_run / "epoch_2.pth"),
        "--work-dir",
        str(tmp_path / "test"),
        "--show-dir",
        str(show),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(show.glob("*.png"))
    assert [f.name[:5] for f in files] == [f"{i:05d}" for i in range(10)]
    grid = tmp_path / "grid.png"
    drawn = run_script(
        ROOT / "tools/analysis/show_predictions.py",
        str(show),
        "--out",
        str(grid),
        "--num",
        "4",
        "--columns",
        "2",
        "--cell",
        "100",
    )
    assert [d["file"] for d in drawn] == [str(f) for f in files[:4]]
    assert Image.open(grid).size[0] == 2 * 100 + 8 and Image.open(grid).mode == "RGB"
    run_script(
        ROOT / "tools/analysis/show_predictions.py",
        str(show),
        "--out",
        str(grid),
        "--num",
        "4",
        "--palette",
        "16",
    )
    assert Image.open(grid).mode == "P" and len(Image.open(grid).getcolors()) <= 16
    with pytest.raises(SystemExit, match="--worst needs"):
        run_script(
            ROOT / "tools/analysis/show_predictions.py", str(show), "--out", str(grid), "--worst"
        )


def test_analyze_logs_plots_training_and_validation_keys(tiny_run, tmp_path):
    (log,) = tiny_run.glob("*/vis_data/scalars.json")
    out = tmp_path / "curve.png"
    fig = run_script(
        ROOT / "tools/analysis/analyze_logs.py",
        "plot_curve",
        str(log),
        "--keys",
        "loss",
        "mIoU",
        "--out",
        str(out),
    )
    assert Image.open(out).size == (840, 320)
    loss_ax, miou_ax = fig.axes
    assert loss_ax.get_xlabel() == "iteration" and miou_ax.get_xlabel() == "epoch"
    assert list(miou_ax.lines[0].get_xdata()) == [1.0, 2.0]  # validated after each epoch
    with pytest.raises(SystemExit, match="no key 'mIOU'.*'mIoU'"):
        run_script(
            ROOT / "tools/analysis/analyze_logs.py",
            "plot_curve",
            str(log),
            "--keys",
            "mIOU",
            "--out",
            str(out),
        )
    (timing,) = run_script(ROOT / "tools/analysis/analyze_logs.py", "cal_train_time", str(log))
    assert timing["logged_steps"] == 8 and timing["fastest"] <= timing["mean_s_per_iter"]


def test_print_config_applies_and_checks_options(capsys, tmp_path):
    saved = tmp_path / "merged.py"
    text = run_script(
        ROOT / "tools/misc/print_config.py",
        TINY,
        "--cfg-options",
        "train_cfg.max_epochs=7",
        "--save-path",
        str(saved),
    )
    assert "max_epochs=7" in text and "default_scope = 'risseg'" in text  # _base_ merged
    assert "max_epochs=7" in capsys.readouterr().out and saved.is_file()
    with pytest.raises(SystemExit, match="did you mean 'train_cfg'"):
        run_script(ROOT / "tools/misc/print_config.py", TINY, "--cfg-options", "trian_cfg.x=1")


def test_get_flops_counts_every_part():
    small = run_script(ROOT / "tools/analysis/get_flops.py", TINY, "--size", "32")
    big = run_script(ROOT / "tools/analysis/get_flops.py", TINY, "--size", "64")
    assert small["input"] == [3, 32, 32] and small["params_m"] == big["params_m"] > 0
    assert {"backbone", "neck", "head", "text_encoder"} <= set(small["parts"])
    assert sum(small["parts"].values()) == pytest.approx(small["gflops"])
    # convolutions scale with the image area, the text encoder not at all
    assert big["parts"]["backbone"] == pytest.approx(4 * small["parts"]["backbone"])
    assert big["parts"]["text_encoder"] == pytest.approx(small["parts"]["text_encoder"])
    loss = run_script(ROOT / "tools/analysis/get_flops.py", TINY, "--size", "32", "--mode", "loss")
    assert loss["gflops"] > 2 * small["gflops"]  # forward + backward


@pytest.fixture
def synthref_cfg(synthref_with_proposals, tmp_path) -> tuple[Path, Path]:
    """(config file, data root) of the baseline SynthRef config on the tiny preset."""
    root = synthref_with_proposals
    cfg = synthref_config(str(ROOT / "configs/baseline/segm_synthref.py"), str(root))
    for split in ("train", "val", "test"):
        cfg[f"{split}_dataloader"].dataset.preset = "tiny"
    path = tmp_path / "cfg.py"
    cfg.dump(str(path))
    return path, root


def test_browse_dataset_draws_items_proposals_and_pseudo_masks(synthref_cfg, tmp_path):
    config, root = synthref_cfg
    script = ROOT / "tools/analysis/browse_dataset.py"
    assert run_script(script, config, "--out", str(tmp_path / "items"), "--num", "3") == 3
    pictures = sorted((tmp_path / "items").glob("*.png"))
    assert len(pictures) == 3 and np.asarray(Image.open(pictures[0])).shape[1] > 2 * 128
    assert (
        run_script(
            script,
            config,
            "--out",
            str(tmp_path / "props"),
            "--num",
            "2",
            "--proposals",
            str(root / "proposals"),
        )
        == 2
    )
    # pseudo masks: the GT of two train refs, and a ref the split does not have
    init_default_scope("risseg")
    from mmengine.config import Config

    dataset = DATASETS.build(Config.fromfile(str(config)).train_dataloader.dataset)
    infos = [dataset.get_data_info(i) for i in range(2)]
    pseudo = {
        str(info["ref_id"]): mask_to_rle(
            segmentation_to_mask(info["segmentation"], info["height"], info["width"])
        )
        for info in infos
    }
    pseudo["999999"] = pseudo[str(infos[0]["ref_id"])]
    path = tmp_path / "pseudo.json"
    path.write_text(json.dumps(pseudo))
    assert (
        run_script(script, config, "--out", str(tmp_path / "pseudo"), "--pseudo-ann", str(path))
        == 2
    )
    names = sorted(p.name for p in (tmp_path / "pseudo").glob("*.png"))
    assert [n.rsplit("_", 1)[1] for n in names] == [f"{i['ref_id']}.png" for i in infos]
    path.write_text(json.dumps({"999999": pseudo["999999"]}))
    with pytest.raises(ValueError, match="none of its 1 ref ids"):
        run_script(script, config, "--out", str(tmp_path / "none"), "--pseudo-ann", str(path))
