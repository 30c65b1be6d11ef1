"""tools/test.py --out preds.json, tools/analysis/show_predictions.py and tools/infer.py."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from PIL import Image

from risseg.apis import init_segmentor
from risseg.registry import DATASETS
from risseg.testing import synthref_config

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "", "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_predictions_json_grid_and_single_image(tmp_path):
    cfg = synthref_config("configs/seqtr/segm_synthref.py", str(tmp_path / "synthref"))
    cfg.test_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.update(preset="tiny", indices=3)
    config = tmp_path / "cfg.py"
    cfg.dump(str(config))
    init_default_scope("risseg")
    dataset = DATASETS.build(cfg.test_dataloader.dataset)  # makes the data and vocabulary
    torch.manual_seed(0)
    ckpt = tmp_path / "model.pth"
    torch.save({"state_dict": init_segmentor(cfg).state_dict()}, ckpt)

    preds = tmp_path / "preds.json"
    _run("tools/test.py", str(config), str(ckpt), "--work-dir", str(tmp_path / "test"),
         "--out", str(preds))
    records = json.loads(preds.read_text())
    assert len(records) == len(dataset)
    assert {"gt_rle", "pred_points", "pred_bbox", "img_path", "text", "iou"} <= set(records[0])

    grid = tmp_path / "grid.png"
    drawn = json.loads(_run("tools/analysis/show_predictions.py", str(preds), "--out",
                            str(grid), "--worst", "--columns", "2", "--cell", "64"))
    ious = [d["iou"] for d in drawn]
    assert len(drawn) == len(records) and ious == sorted(ious)
    rows = -(-len(records) // 2)
    assert Image.open(grid).size == (2 * 64, rows * 64)

    info = dataset.get_data_info(0)
    summary = json.loads(_run("tools/infer.py", str(config), str(ckpt), "--image",
                              info["img_path"], "--text", info["texts"][0], "--out-dir",
                              str(tmp_path / "infer")))
    mask = np.asarray(Image.open(summary["mask"]))
    image = Image.open(info["img_path"])
    assert mask.shape == (image.height, image.width)
    assert summary["mask_area"] == int((mask > 0).sum()) and len(summary["box"]) == 4
    assert Path(summary["overlay"]).is_file()


def test_show_predictions_names_the_incomplete_record(tmp_path):
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps([{"ref_id": 5, "pred_rle": {"size": [2, 2], "counts": "04"}}]))
    proc = subprocess.run(
        [sys.executable, "tools/analysis/show_predictions.py", str(preds), "--out",
         str(tmp_path / "g.png")], capture_output=True, text=True, cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert proc.returncode != 0 and "record 0 (ref 5)" in proc.stderr
