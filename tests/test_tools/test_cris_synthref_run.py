"""A few iterations of the SynthRef CRIS config (tiny preset, tiny random CLIP), then test."""

from __future__ import annotations

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading)
from risseg.testing import synthref_config
from risseg.testing.tiny_open_clip import register_tiny_open_clip

CLIP = dict(model_name="risseg-tiny-clip-rn", model_config=None, checkpoint=None)


def _small(cfg: Config, tmp_path) -> Config:
    cfg.work_dir = str(tmp_path / "cris")
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.update(max_epochs=1)
    cfg.default_hooks.logger.interval = 1
    cfg.launcher = "none"
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    return cfg


@pytest.mark.slow
def test_synthref_config_trains_and_tests(tmp_path):
    register_tiny_open_clip()
    path = "configs/cris/cris_standin-clip_1xb16-4e_synthref.py"
    cfg = _small(synthref_config(path, str(tmp_path / "synthref")), tmp_path)
    cfg.model.backbone.update(CLIP)
    cfg.model.text_encoder.update(CLIP)
    cfg.model.neck.update(in_channels=(64, 128, 16), channels=(8, 16, 32), text_dim=16)
    cfg.model.head.update(in_channels=16, text_dim=16, sentence_dim=16, num_heads=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0 <= metrics["mIoU"] <= 100 and "oIoU" in metrics
    assert (tmp_path / "cris" / "epoch_1.pth").is_file()
