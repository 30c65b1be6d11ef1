"""How far does a box alone go on the mask metric? Box-shaped answers scored as masks.

For every sample of a split (every sentence of every ref, like ``tools/test.py``) the box
(REC) model's predicted box, and the GT box, are turned into masks two ways: the filled box
and the ellipse inscribed in it. Each is scored against the GT mask at the original resolution
with the same IoU as ``RefSegMetric`` (mIoU and oIoU, x100). The GT-box rows are the ceiling of
any answer that knows only the box; the predicted-box rows are what a mask model initialised
from the box model would score if it learned no shape at all. On SynthRef, whose objects are
compact, these put the label-efficiency table of docs/benchmarks.md in context.

    OMP_NUM_THREADS=1 python benchmarks/seqtr_box_prior_baseline.py \
        configs/partial_res/seqtr-det_synthref.py work_dirs/seqtr-det_synthref/epoch_5.pth \
        [--split test] [--out work_dirs/box_prior.json]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import risseg  # noqa: F401  (registers everything)
from risseg.engine.checkpoint import load_local_checkpoint
from risseg.evaluation.metrics.ref_seg_metric import mask_iou
from risseg.registry import MODELS
from risseg.utils.masks import box_mask, ellipse_mask


def box_masks(box: np.ndarray, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Filled box and inscribed ellipse of an xyxy pixel box, as (H, W) bool masks."""
    return {"box": box_mask(box, *shape), "ellipse": ellipse_mask(box, *shape)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="box (REC) model config, e.g. seqtr-det_synthref.py")
    parser.add_argument("checkpoint")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()

    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get("default_scope", "risseg"))
    cfg.test_dataloader.dataset.split = args.split
    model = MODELS.build(cfg.model)
    state = load_local_checkpoint(args.checkpoint, map_location="cpu")
    model.load_state_dict(state.get("state_dict", state))  # EMA weights: mmengine swaps them in
    model.eval()
    loader = Runner.build_dataloader(cfg.test_dataloader)
    sums = {k: [0, 0, 0.0] for k in ("pred_box", "pred_ellipse", "gt_box", "gt_ellipse")}
    count = 0
    with torch.no_grad():
        for batch in loader:
            for sample in model.test_step(batch):
                gt = sample.gt_mask.data if hasattr(sample.gt_mask, "data") else sample.gt_mask
                gt = torch.as_tensor(np.asarray(gt)).bool().reshape(sample.ori_shape)
                for who, box in (("pred", sample.pred_bbox), ("gt", sample.gt_bbox)):
                    box = np.asarray(torch.as_tensor(box).reshape(-1)[:4])
                    for kind, m in box_masks(box, tuple(sample.ori_shape)).items():
                        inter, union, iou = mask_iou(torch.from_numpy(m), gt)
                        s = sums[f"{who}_{kind}"]
                        s[0] += inter
                        s[1] += union
                        s[2] += iou
                count += 1
            print(f"\r{count} samples", end="", flush=True)
    print()
    result = {
        name: {"mIoU": 100 * s[2] / count, "oIoU": 100 * s[0] / max(s[1], 1)}
        for name, s in sums.items()
    }
    result["num_samples"] = count
    print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
