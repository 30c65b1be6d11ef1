"""Release protocols of the RefCOCO configs: the SeqTR / Partial-RES ones select SeqTR's release
evaluation (configs/_base_/protocols/seqtr_release.py) and their test pipelines give a GT in the
frame the model predicts in; the SemiRES semi-supervised pipelines resize with PIL."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from risseg.models.heads.seq_head import coord_frame
from risseg.registry import TRANSFORMS

CONFIG_ROOT = Path(__file__).resolve().parents[1] / "configs"
RELEASE = sorted(CONFIG_ROOT.glob("seqtr/segm_refcoco*.py")) + sorted(
    CONFIG_ROOT.glob("partial_res/*refcoco*.py")
)
DET = sorted(CONFIG_ROOT.glob("seqtr/det_refcoco*.py"))


def test_the_release_configs_are_found():
    assert len(RELEASE) == 6 and len(DET) == 3


@pytest.mark.parametrize("path", RELEASE, ids=lambda p: p.name)
def test_release_protocol_is_selected(path):
    cfg = Config.fromfile(str(path))
    test_cfg = cfg.model.test_cfg
    assert (test_cfg.frame, test_cfg.pixel_offset, test_cfg.two_points) == ("pad", 0.0, "xywh")
    assert not test_cfg.rescale
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator == dict(type="RefSegMetric", iou_mode="coco_crowd")
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        types = [t["type"] for t in loader.dataset.pipeline]
        assert types.index("LoadReferAnnotations") < types.index("Resize") < types.index("Pad")


@pytest.mark.parametrize("path", DET, ids=lambda p: p.name)
def test_box_configs_stay_at_the_original_resolution(path):
    cfg = Config.fromfile(str(path))
    assert cfg.model.test_cfg.frame == "original" and cfg.model.test_cfg.rescale
    types = [t["type"] for t in cfg.test_dataloader.dataset.pipeline]
    assert types.index("LoadReferAnnotations") > types.index("Pad")


def test_release_pipeline_gives_the_gt_in_the_padded_frame(tmp_path):
    """A 300 x 500 image: keep-ratio resize by 1.28 to 384 x 640, already a multiple of 32 wide,
    padded to 384 x 640; the GT (two polygons, so a crowd GT) follows the image."""
    init_default_scope("risseg")
    cfg = Config.fromfile(str(CONFIG_ROOT / "seqtr/segm_refcoco.py"))
    steps = [t for t in cfg.test_dataloader.dataset.pipeline if t["type"] != "TokenizeText"]
    pipeline = [TRANSFORMS.build(t) for t in steps]
    image = np.zeros((300, 500, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), image)
    squares = [[100, 50, 200, 50, 200, 150, 100, 150], [300, 200, 400, 200, 400, 250, 300, 250]]
    results = dict(
        img_path=str(tmp_path / "a.png"),
        texts=["the thing"],
        sent_ids=[7],
        ref_id=1,
        segmentation=squares,
        bbox=[100, 50, 300, 200],
        height=300,
        width=500,
    )
    for step in pipeline:
        results = step(results)
    sample = results["data_samples"]
    gt = sample.gt_mask.data[0].numpy()
    assert gt.shape == coord_frame(sample) == (384, 640)
    assert sample.metainfo["gt_iscrowd"]
    ys, xs = np.nonzero(gt)
    assert (ys.min(), xs.min(), ys.max(), xs.max()) == (64, 128, 319, 511)


def test_semires_semi_pipelines_resize_with_pil():
    cfg = Config.fromfile(str(CONFIG_ROOT / "_base_/datasets/refcoco_unc_semi-1pct.py"))
    for name in ("labeled_pipeline", "unlabeled_pipeline"):
        resizes = [t for t in cfg[name] if t["type"] == "Resize"]
        assert resizes and all(t.get("backend") == "pillow" for t in resizes), name
