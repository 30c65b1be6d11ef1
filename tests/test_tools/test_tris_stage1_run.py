"""A few iterations of the SynthRef TRIS stage-1 config (tiny CLIP in place of the stand-in):
train, test with mIoU / oIoU / PointM / box hit, then PRMS from the saved checkpoint."""

from __future__ import annotations

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading)
from risseg.labelers import PRMSLabeler
from risseg.registry import DATASETS
from risseg.testing import synthref_config
from risseg.testing.tiny_open_clip import register_tiny_open_clip
from risseg.testing.tris import TINY_CLIP, tiny_scorer_cfg

STAGE1 = "configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py"
PRMS = "configs/tris/prms_standin-clip_synthref.py"


def _tiny_clip(node) -> None:
    """Point every stand-in CLIP part of a config at the tiny random CLIP-RN."""
    if isinstance(node, dict):
        if node.get("model_name") == "synthref-clip-rn":
            node.update(model_name=TINY_CLIP, checkpoint=None, model_config=None)
        for value in node.values():
            _tiny_clip(value)


def _cfg(tmp_path) -> Config:
    register_tiny_open_clip()
    cfg = synthref_config(STAGE1, str(tmp_path / "synthref")).to_dict()
    _tiny_clip(cfg["model"])
    cfg["model"]["fg_loss"]["scorer"].pop("model_config")
    cfg = Config(cfg)
    cfg.work_dir = str(tmp_path / "stage1")
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.dataset.update(preset="tiny", indices=8)
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].dataset.update(preset="tiny", indices=6)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.launcher = "none"
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    return cfg


@pytest.mark.slow
def test_stage1_trains_tests_and_feeds_prms(tmp_path):
    cfg = _cfg(tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    for key in ("mIoU", "oIoU", "PointM", "box_hit"):
        assert 0 <= metrics[key] <= 100, key
    ckpt = tmp_path / "stage1" / "epoch_1.pth"
    assert ckpt.is_file()

    prms_cfg = Config.fromfile(PRMS)
    model_cfg = cfg.model.to_dict()
    model_cfg["fg_loss"] = None
    labeler = PRMSLabeler(
        model_cfg,
        tiny_scorer_cfg(),
        checkpoint=str(ckpt),
        input_size=(128, 128),
    )
    with DefaultScope.overwrite_default_scope("risseg"):
        data = prms_cfg.pseudo_label_dataset.to_dict()
        data.update(data_root=str(tmp_path / "synthref"), preset="tiny", indices=2)
        item = DATASETS.build(data)[0]
    sample = labeler(item["inputs"][None], [item["data_samples"]])[0]
    h, w = item["inputs"].shape[-2:]
    assert sample.response_map.data.shape == (1, h, w)
    assert sample.pseudo_mask.data.dtype == torch.bool
    assert 0 <= sample.metainfo["prms_index"] < len(item["data_samples"].metainfo["texts"])
