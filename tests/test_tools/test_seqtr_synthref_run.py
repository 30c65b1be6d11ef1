"""A few iterations of the SynthRef SeqTR / Partial-RES configs: train, resume, test, dump."""

from __future__ import annotations

import json

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading for resume)
from risseg.testing import synthref_config


def _cfg(path: str, tmp_path, name: str, **train) -> Config:
    cfg = synthref_config(path, str(tmp_path / "synthref"))
    cfg.work_dir = str(tmp_path / name)
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        loader = cfg[key]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.update(max_epochs=train.get("epochs", 1), val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.load_from = None
    cfg.custom_hooks = [cfg.ema_cfg]
    cfg.launcher = "none"
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    return cfg


@pytest.mark.slow
def test_train_resume_test_and_dump(tmp_path):
    cfg = _cfg("configs/seqtr/segm_synthref.py", tmp_path, "seqtr")
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = tmp_path / "seqtr" / "epoch_1.pth"
    assert ckpt.is_file()
    metrics = runner.test()
    assert 0 <= metrics["mIoU"] <= 100 and "oIoU" in metrics

    cfg = _cfg("configs/seqtr/segm_synthref.py", tmp_path, "seqtr", epochs=2)
    cfg.resume, cfg.load_from = True, str(ckpt)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 2 and (tmp_path / "seqtr" / "epoch_2.pth").is_file()

    cfg = _cfg("configs/partial_res/partial-res_synthref-1pct.py", tmp_path, "pres")
    cfg.train_dataloader.dataset.pop("keep_supervision")  # the tiny preset's 1 % is 1 ref
    cfg.test_dataloader.dataset.update(split="train", sentence_mode="first")
    out = tmp_path / "preds.json"
    cfg.test_evaluator = dict(type="DumpPredictions", out_file=str(out))
    cfg.load_from = str(ckpt)  # shapes match: the switches only add parameters
    runner = Runner.from_cfg(cfg)
    runner.train()
    runner.test()
    records = json.loads(out.read_text())
    assert len(records) == 4 and {"pred_rle", "gt_bbox", "iou"} <= set(records[0])


@pytest.mark.slow
@pytest.mark.parametrize(
    "config", ["partial-res_synthref-1pct-joint.py", "partial-res_synthref-1pct-boxprior.py"]
)
def test_one_model_variants_train_on_masks_and_boxes(tmp_path, config):
    cfg = synthref_config(f"configs/partial_res/{config}", str(tmp_path / "synthref"))
    cfg.work_dir = str(tmp_path / "run")
    loader = cfg.train_dataloader
    loader.update(batch_size=4, num_workers=0, persistent_workers=False)
    loader.sampler.update(batch_size=4, num_labeled=1, epoch_length=2)
    for ds in loader.dataset.datasets:
        ds.update(preset="tiny", indices=24)  # the tiny preset's 1 % is one ref
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=2)
    cfg.train_cfg.update(max_epochs=1, val_interval=2)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.load_from = None
    cfg.launcher = "none"
    runner = Runner.from_cfg(cfg)
    batch = next(iter(runner.train_dataloader))
    kinds = [s.metainfo["supervision"] for s in batch["data_samples"]]
    prior = config.endswith("boxprior.py")
    assert kinds == ["mask"] * 4 if prior else kinds == ["mask", "box", "box", "box"]
    if prior:  # box-only refs carry the ellipse of their box: pi / 4 of its area
        for sample in batch["data_samples"][1:]:
            x1, y1, x2, y2 = sample.gt_bbox.tolist()
            area = float(sample.gt_mask.data.sum())
            assert 0.6 < area / ((x2 - x1) * (y2 - y1)) < 0.95
    runner.train()
    assert (tmp_path / "run" / "epoch_1.pth").is_file()
