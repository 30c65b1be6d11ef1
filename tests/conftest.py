"""Shared pytest fixtures: clean mmengine global state, a tiny batch and the tiny config."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.visualization import Visualizer

REPO_ROOT = Path(__file__).resolve().parents[1]
TINY_CONFIG = REPO_ROOT / "configs" / "tiny" / "tiny_ris.py"


@pytest.fixture(autouse=True)
def _clean_mmengine_state():
    """Clear mmengine's singleton stores (as RunnerTestCase.tearDown does) around each test.

    Runners, loggers and message hubs are global instances keyed by name; left over, they leak
    iteration counters, log handlers and the default scope between tests.
    """
    yield
    for manager in (MessageHub, MMLogger, DefaultScope, Visualizer):
        manager._instance_dict.clear()


@pytest.fixture
def risseg_scope():
    """Make 'risseg' the default registry scope (what the Runner does from the config)."""
    init_default_scope("risseg")
    yield "risseg"


@pytest.fixture
def tiny_batch(risseg_scope) -> dict:
    """A dataloader-style batch of 2 synthetic samples (32x32 images, 8 tokens)."""
    from risseg.testing import demo_ris_inputs

    return demo_ris_inputs(batch_size=2)


@pytest.fixture
def tiny_cfg(tmp_path) -> Config:
    """configs/tiny/tiny_ris.py, writing into ``tmp_path``, with quiet logging."""
    cfg = Config.fromfile(str(TINY_CONFIG))
    cfg.work_dir = str(tmp_path / "work_dir")
    cfg.log_level = "WARNING"
    return cfg
