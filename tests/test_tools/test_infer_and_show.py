"""tools/test.py --out preds.json, tools/analysis/show_predictions.py and tools/infer.py."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import cv2
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
    proc = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "OMP_NUM_THREADS": "1"},
    )
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
    _run(
        "tools/test.py",
        str(config),
        str(ckpt),
        "--work-dir",
        str(tmp_path / "test"),
        "--out",
        str(preds),
    )
    records = json.loads(preds.read_text())
    assert len(records) == len(dataset)
    assert {"gt_rle", "pred_points", "pred_bbox", "img_path", "text", "iou"} <= set(records[0])

    grid = tmp_path / "grid.png"
    drawn = json.loads(
        _run(
            "tools/analysis/show_predictions.py",
            str(preds),
            "--out",
            str(grid),
            "--worst",
            "--columns",
            "2",
            "--cell",
            "64",
        )
    )
    ious = [d["iou"] for d in drawn]
    assert len(drawn) == len(records) and ious == sorted(ious)
    width, height = Image.open(grid).size
    rows = -(-len(records) // 2)
    # 8-pixel gaps; cells 64 wide and as high as a picture (caption over two panels) at that
    assert width == 2 * 64 + 8 and (rows - 1) * 8 + rows * 20 < height < rows * (64 + 8)

    info = dataset.get_data_info(0)
    summary = json.loads(
        _run(
            "tools/infer.py",
            str(config),
            str(ckpt),
            "--image",
            info["img_path"],
            "--text",
            info["texts"][0],
            "--out-dir",
            str(tmp_path / "infer"),
        )
    )
    mask = np.asarray(Image.open(summary["mask"]))
    image = Image.open(info["img_path"])
    assert mask.shape == (image.height, image.width)
    assert summary["mask_area"] == int((mask > 0).sum()) and len(summary["box"]) == 4
    assert Path(summary["overlay"]).is_file()
    # several texts: one batch, one JSON line and one file pair each, same mask for the same text
    lines = (
        _run(
            "tools/infer.py",
            str(config),
            str(ckpt),
            "--image",
            info["img_path"],
            "--text",
            info["texts"][0],
            "the other shape",
            "--out-dir",
            str(tmp_path / "infer2"),
        )
        .strip()
        .splitlines()
    )
    both = [json.loads(line) for line in lines]
    assert [s["text"] for s in both] == [info["texts"][0], "the other shape"]
    assert both[0]["mask"].endswith("_0_mask.png") and both[1]["mask"].endswith("_1_mask.png")
    np.testing.assert_array_equal(np.asarray(Image.open(both[0]["mask"])), mask)


def test_show_predictions_names_the_incomplete_record(tmp_path):
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps([{"ref_id": 5, "pred_rle": {"size": [2, 2], "counts": "04"}}]))
    proc = subprocess.run(
        [
            sys.executable,
            "tools/analysis/show_predictions.py",
            str(preds),
            "--out",
            str(tmp_path / "g.png"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode != 0 and "record 0 (ref 5)" in proc.stderr


TINY_INFER_PIPELINE = [
    dict(type="LoadImage"),
    dict(type="Resize", scale=(32, 32)),
    dict(
        type="TokenizeText",
        tokenizer=dict(type="WordVocabTokenizer", vocab=["the", "star"]),
        max_length=8,
    ),
    dict(type="PackRISInputs"),
]


@pytest.fixture
def tiny_infer(tmp_path):
    """(config, checkpoint, good JPEG, truncated JPEG) for tools/infer.py with the tiny model."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(ROOT / "configs" / "tiny" / "tiny_ris.py"))
    cfg.test_dataloader.dataset.pipeline = TINY_INFER_PIPELINE
    config = tmp_path / "cfg.py"
    cfg.dump(str(config))
    ckpt = tmp_path / "model.pth"
    torch.save({"state_dict": init_segmentor(cfg).state_dict()}, ckpt)
    rng = np.random.default_rng(0)
    data = cv2.imencode(".jpg", (rng.random((24, 32, 3)) * 255).astype(np.uint8))[1].tobytes()
    good, cut = tmp_path / "good.jpg", tmp_path / "cut.jpg"
    good.write_bytes(data)
    cut.write_bytes(data[: len(data) * 2 // 3])
    return config, ckpt, good, cut


def _infer(config, ckpt, image, out_dir, env=None) -> subprocess.CompletedProcess:
    base = {"PYTHONPATH": str(ROOT), "PATH": "", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [
            sys.executable,
            "tools/infer.py",
            str(config),
            str(ckpt),
            "--image",
            str(image),
            "--text",
            "the star",
            "--out-dir",
            str(out_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **(env or {})},
    )


def test_infer_writes_nothing_for_a_truncated_image(tiny_infer, tmp_path):
    config, ckpt, good, cut = tiny_infer
    proc = _infer(config, ckpt, cut, tmp_path / "out")
    assert proc.returncode == 1
    assert "Truncated" in proc.stderr and str(cut) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    proc = _infer(config, ckpt, good, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "good_mask.png",
        "good_overlay.png",
    ]


class _Payload:
    """Unpickling it creates ``marker`` (pickled as builtins.open, no reference to this class)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_infer_refuses_a_url_checkpoint_without_loading_the_cache(tiny_infer, tmp_path):
    config, _, good, _ = tiny_infer
    marker = tmp_path / "EXECUTED"
    cache = tmp_path / "torch" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    (cache / "model.pth").write_bytes(pickle.dumps(_Payload(marker)))
    pickle.loads(pickle.dumps(_Payload(tmp_path / "control")))  # the payload does work
    assert (tmp_path / "control").exists()
    url = "https://example.com/model.pth"
    proc = _infer(config, url, good, tmp_path / "out", env={"TORCH_HOME": str(tmp_path / "torch")})
    assert proc.returncode == 1 and "RemoteCheckpointError" in proc.stderr
    assert url in proc.stderr and "wget" in proc.stderr
    assert not marker.exists() and not (tmp_path / "out").exists()
