"""RISVisualizationHook through the mmengine Runner on the tiny config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from risseg.engine.hooks.ris_visualization_hook import RISVisualizationHook, enable_visualization

ROOT = Path(__file__).resolve().parents[2]


def _cfg(tmp_path: Path) -> Config:
    cfg = Config.fromfile(str(ROOT / "configs" / "tiny" / "tiny_ris.py"))
    cfg.work_dir = str(tmp_path / "work")
    cfg.experiment_name = f"vis_{tmp_path.name}"  # Runner instances need unique names
    cfg.default_hooks.checkpoint.save_best = None  # val() without train()
    return cfg


def test_test_run_draws_every_sample_and_validation_into_the_backend(tmp_path):
    cfg = _cfg(tmp_path)
    enable_visualization(cfg, show_dir=str(tmp_path / "show"))
    assert cfg.visualizer.type == "RISLocalVisualizer"
    assert cfg.visualizer.vis_backends  # the config's backends are kept
    runner = Runner.from_cfg(cfg)
    runner.test()
    files = sorted((tmp_path / "show").glob("*.png"))
    assert len(files) == 10  # tiny_ris tests on 10 samples
    assert files[0].name.startswith("00000_")
    picture = np.asarray(Image.open(files[0]))
    assert picture.shape[0] > 32 and picture.shape[1] > 2 * 32  # caption; two panels
    runner.val()
    drawn = list(Path(runner.log_dir).rglob("vis_image/val_*.png"))
    assert len(drawn) == 3  # the first sample of each of the 3 val batches


def test_a_plain_visualizer_is_refused_before_the_run(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.default_hooks.visualization = dict(type="RISVisualizationHook", draw=True)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match="RISLocalVisualizer"):
        runner.test()


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="interval"):
        RISVisualizationHook(interval=0)
