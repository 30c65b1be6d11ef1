"""One mask labeler's pseudo masks, written by tools/generate_pseudo_labels.py, train the
baseline, LAVT and SeqTR SynthRef configs by config alone (``pseudo_ann_file``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from risseg.testing import drop_missing_checkpoints, run_script, synthref_config
from risseg.utils.masks import rle_to_mask

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = {
    "baseline": "configs/baseline/segm_synthref.py",
    "lavt": "configs/lavt/lavt_tiny_synthref.py",
    "seqtr": "configs/seqtr/segm_synthref.py",
}
LABEL_CFG = """
custom_imports = dict(imports=["risseg.testing"], allow_failed_imports=False)
default_scope = "risseg"
pseudo_label_dataset = dict(
    type="SynthRefDataset", data_root={data!r}, preset="tiny", seed=0, split="train",
    supervision_file="supervision_1pct.json", keep_supervision=["box"],
    pipeline=[dict(type="LoadImage"), dict(type="LoadReferAnnotations"),
              dict(type="PackRISInputs")])
pseudo_labeler = dict(type="GTBoxLabeler")
"""


def _generate(cfg: Path, out: Path, *extra: str) -> None:
    run_script(ROOT / "tools/generate_pseudo_labels.py", str(cfg), "--out", str(out), *extra)


@pytest.fixture(scope="module")
def pseudo_file(tmp_path_factory) -> tuple[Path, Path]:
    """(data root, pseudo annotation file): GTBoxLabeler's masks of the box-only refs, written
    in two shards."""
    tmp = tmp_path_factory.mktemp("pseudo")
    data, out = tmp / "synthref", tmp / "pseudo_box_1pct.json"
    cfg = tmp / "label_boxes.py"
    cfg.write_text(LABEL_CFG.format(data=str(data)))
    _generate(cfg, out, "--shard-id", "0", "--num-shards", "2")
    assert not out.exists()  # shard 1 still missing
    _generate(cfg, out, "--shard-id", "1", "--num-shards", "2")
    return data, out


def test_pseudo_masks_file_is_sharded_and_resumable(pseudo_file):
    data, out = pseudo_file
    pseudo = json.loads(out.read_text())
    sup = json.loads((data / "supervision_1pct.json").read_text())
    assert len(pseudo) > 10 and set(map(int, pseudo)) <= set(sup["box"])
    for rle in pseudo.values():  # a filled box: every row of the mask is the same
        mask = rle_to_mask(rle)
        rows = mask[mask.any(1)]
        assert mask.any() and (rows == rows[0]).all()
    part = out.with_name(out.name + ".parts") / "shard0-of-2.jsonl"
    lines = part.read_text().splitlines()
    part.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])  # killed mid-write
    out.unlink()
    cfg = out.parent / "label_boxes.py"
    _generate(cfg, out, "--shard-id", "0", "--num-shards", "2")
    assert json.loads(out.read_text()) == pseudo  # only the torn ref was labelled again
    assert part.read_text().splitlines()[:-1] == lines[:-1]


class _Batches(Hook):
    """The training samples as the model receives them (before the data preprocessor)."""

    def __init__(self) -> None:
        self.samples = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.samples += data_batch["data_samples"]


def _train_cfg(name: str, data: Path, pseudo: Path, work: Path):
    cfg = synthref_config(str(ROOT / CONFIGS[name]), str(data))
    cfg.train_dataloader.dataset.update(
        preset="tiny",
        indices=8,
        supervision_file="supervision_1pct.json",
        pseudo_ann_file=str(pseudo),
        keep_supervision=["mask"],
    )
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=4, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.update(max_epochs=1, val_interval=100)
    cfg.update(work_dir=str(work), custom_hooks=[], log_level="WARNING", load_from=None)
    cfg.default_hooks.checkpoint.interval = 100
    drop_missing_checkpoints(cfg.model)
    return cfg


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_each_model_trains_on_the_pseudo_masks(name, pseudo_file, tmp_path):
    data, pseudo = pseudo_file
    ids = set(map(int, json.loads(pseudo.read_text())))
    torch.manual_seed(0)
    runner = Runner.from_cfg(_train_cfg(name, data, pseudo, tmp_path))
    infos = [runner.train_dataloader.dataset.get_data_info(i) for i in range(8)]
    assert {i["ref_id"] for i in infos} <= ids and all(i["pseudo"] for i in infos)
    batches = _Batches()
    runner.register_hook(batches)
    runner.train()
    assert runner.iter == 2 and len(batches.samples) == 8
    for s in batches.samples:
        assert s.ref_id in ids and s.supervision == "mask"
        mask = s.gt_mask.data.reshape(s.gt_mask.data.shape[-2:]).numpy()
        ys, xs = np.nonzero(mask)
        # the labeler's box, through the training pipeline: a filled rectangle on the GT box
        assert mask.sum() == (np.ptp(ys) + 1) * (np.ptp(xs) + 1)
        x1, y1, x2, y2 = s.gt_bbox.tolist()
        assert abs(xs.min() - x1) <= 1.5 and abs(xs.max() + 1 - x2) <= 1.5
        assert abs(ys.min() - y1) <= 1.5 and abs(ys.max() + 1 - y2) <= 1.5
        if name == "seqtr":  # its targets are points on that rectangle's contour
            pts = s.gt_points.reshape(-1, 2).numpy()
            pts = pts[(pts >= 0).all(1)]  # (-1, -1) pads the sequence
            assert len(pts) >= 4
            low, high = [xs.min() - 1, ys.min() - 1], [xs.max() + 1, ys.max() + 1]
            assert ((pts >= low) & (pts <= high)).all()
