"""A few iterations of TRIS stage 2 on pseudo masks and of the affinity network on IR labels,
with the SynthRef configs on the tiny preset and a tiny random CLIP."""

from __future__ import annotations

import json

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading)
from risseg.datasets import SynthRefDataset
from risseg.testing import synthref_config
from risseg.testing.tiny_open_clip import register_tiny_open_clip
from risseg.utils.masks import mask_to_rle, segmentation_to_mask

CLIP = dict(model_name="risseg-tiny-clip-rn", model_config=None, checkpoint=None)
CHANNELS = (32, 64, 128, 256)  # the tiny CLIP-RN's C1..C4


def _side_files(root) -> tuple[str, str, str]:
    """Text-only supervision, pseudo masks (each GT box filled) and a dilated 'outer' file."""
    ds = SynthRefDataset(data_root=str(root), preset="tiny", split="train")
    refs = {}
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        refs[info["ref_id"]] = info
    (root / "text_only.json").write_text(json.dumps(dict(none=sorted(refs), default="none")))
    boxes, outer = {}, {}
    for ref_id, info in refs.items():
        h, w = info["height"], info["width"]
        x, y, bw, bh = (int(v) for v in info["bbox"])
        box = np.zeros((h, w), bool)
        box[y : y + bh, x : x + bw] = True
        boxes[str(ref_id)] = mask_to_rle(box)
        grown = box.copy()
        grown[max(y - 4, 0) : y + bh + 4, max(x - 4, 0) : x + bw + 4] = True
        outer[str(ref_id)] = mask_to_rle(grown)
        assert segmentation_to_mask(boxes[str(ref_id)], h, w).sum() == box.sum()
    (root / "pseudo.json").write_text(json.dumps(boxes))
    (root / "outer.json").write_text(json.dumps(outer))
    return str(root / "text_only.json"), str(root / "pseudo.json"), str(root / "outer.json")


def _small(cfg: Config, tmp_path, name: str) -> Config:
    cfg.work_dir = str(tmp_path / name)
    for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
        if cfg.get(key) is None:
            continue
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.update(max_epochs=1)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.launcher = "none"
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    return cfg


@pytest.mark.slow
def test_stage2_trains_on_pseudo_masks_and_the_affinity_net_on_ir_labels(tmp_path):
    register_tiny_open_clip()
    root = tmp_path / "synthref"
    SynthRefDataset(data_root=str(root), preset="tiny", split="train")  # generate
    text_only, pseudo, outer = _side_files(root)

    path = "configs/tris/tris_stage2_standin-clip_1xb16-6e_synthref-pseudo.py"
    cfg = _small(synthref_config(path, str(root)), tmp_path, "stage2")
    cfg.model.backbone.update(CLIP)
    cfg.model.text_encoder.update(CLIP)
    cfg.model.neck.update(in_channels=CHANNELS, text_dim=16)
    cfg.model.head.update(in_channels=CHANNELS, channels=(8, 16, 32, 64))
    cfg.train_dataloader.dataset.update(supervision_file=text_only, pseudo_ann_file=pseudo)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0 <= metrics["mIoU"] <= 100 and "oIoU" in metrics
    losses = [k for k in runner.message_hub.log_scalars if k.startswith("train/loss_bce_d")]
    assert sorted(losses) == [f"train/loss_bce_d{k}" for k in (1, 2, 3, 4)]

    path = "configs/tris/irn_standin-clip_1xb16-3e_synthref.py"
    cfg = _small(synthref_config(path, str(root)), tmp_path, "irn")
    cfg.model.backbone.update(CLIP)
    cfg.train_dataloader.dataset.update(supervision_file=text_only, pseudo_ann_file=outer)
    cfg.train_dataloader.dataset.pipeline[-1].update(fg_file=pseudo, outer_file=outer)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / "irn" / "epoch_1.pth").is_file()
    assert np.isfinite(runner.message_hub.get_scalar("train/loss_aff_neg").current())
