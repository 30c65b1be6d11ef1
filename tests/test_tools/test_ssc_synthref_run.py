"""A few iterations of S+S+C Correct on a tiny SynthRef through the Runner: random_ce on one
mask per ref, then greedy_ce over several candidates from its checkpoint; and the quality of
the targets the Correct stage assigns (tools/analysis/ssc_assignment_quality.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.runner import Runner

from risseg.datasets import SynthRefDataset
from risseg.registry import MODELS
from risseg.testing import synthref_config
from risseg.utils.masks import mask_to_rle, segmentation_to_mask

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "analysis"))
from ssc_assignment_quality import assignment_quality  # noqa: E402

RANDOM = str(ROOT / "configs" / "ssc" / "lavt_tiny_synthref-random-ce.py")
GREEDY = str(ROOT / "configs" / "ssc" / "lavt_tiny_synthref-greedy-ce.py")


def _candidate_files(data: Path, out: Path) -> tuple[Path, Path]:
    """Hand-made Segment / Select files: every GT mask of a ref's image, the first one."""
    ds = SynthRefDataset(str(data), preset="tiny", seed=0, split="train", lazy_init=False)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    by_image: dict[int, list] = {}
    for e in infos:
        mask = segmentation_to_mask(e["segmentation"], e["height"], e["width"])
        by_image.setdefault(e["image_id"], []).append(mask_to_rle(np.asarray(mask, bool)))
    segment = {str(e["ref_id"]): by_image[e["image_id"]] for e in infos}
    select = {k: v[0] for k, v in segment.items()}
    (out / "segment.json").write_text(json.dumps(segment))
    (out / "select.json").write_text(json.dumps(select))
    return out / "segment.json", out / "select.json"


def _cfg(path, data, work, ann_file, iters=3):
    cfg = synthref_config(path, str(data))
    cfg.work_dir = str(work)
    cfg.train_dataloader.dataset.update(preset="tiny", indices=iters * 4)
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.pipeline[-1]["ann_file"] = str(ann_file)
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=4, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.param_scheduler[0].end = 1
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.log_level = "WARNING"
    return cfg


@pytest.mark.slow
def test_random_ce_then_greedy_ce(tmp_path):
    data = tmp_path / "synthref"
    torch.manual_seed(0)
    segment, select = _candidate_files(data, tmp_path)
    runner = Runner.from_cfg(_cfg(RANDOM, data, tmp_path / "random", select))
    assert type(runner.model).__name__ == "SSCLAVTSegmentor"
    assert runner.model.loss_mode == "random_ce"
    runner.train()
    assert runner.iter == 3
    ckpt = tmp_path / "random" / "epoch_1.pth"
    assert ckpt.exists()

    cfg = _cfg(GREEDY, data, tmp_path / "greedy", segment)
    cfg.load_from = str(ckpt)
    runner = Runner.from_cfg(cfg)
    assert runner.model.loss_mode == "greedy_ce"
    runner.train()
    assert runner.iter == 3
    logs = runner.message_hub.log_scalars
    assert np.isfinite(logs["train/loss"].current()) and logs["train/num_targets"].current() > 0
    metrics = runner.test()
    assert 0.0 <= metrics["mIoU"] <= 100.0 and "oIoU" in metrics


def test_assignment_quality_of_own_masks_is_perfect(tmp_path):
    """Each ref's only candidate is its own GT mask: any assignment reproduces the truth."""
    data = tmp_path / "synthref"
    ds = SynthRefDataset(str(data), preset="tiny", seed=0, split="train", lazy_init=False)
    own = {}
    for i in range(8):
        e = ds.get_data_info(i)
        mask = segmentation_to_mask(e["segmentation"], e["height"], e["width"])
        own[str(e["ref_id"])] = [mask_to_rle(np.asarray(mask, bool))]
    (tmp_path / "own.json").write_text(json.dumps(own))
    cfg = _cfg(GREEDY, data, tmp_path / "work", tmp_path / "own.json", iters=2)
    torch.manual_seed(0)
    ckpt = tmp_path / "random.pth"
    torch.save({"state_dict": MODELS.build(cfg.model).state_dict()}, ckpt)
    out = assignment_quality(cfg, str(ckpt))
    assert out["items"] == 8 and out["unassigned"] == 0
    assert out["mIoU"] == pytest.approx(100.0) and out["oIoU"] == pytest.approx(100.0)
    assert out["argmax_mIoU"] == pytest.approx(100.0)
