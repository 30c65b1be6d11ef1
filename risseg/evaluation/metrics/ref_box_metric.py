"""Referring comprehension (box) metric: Acc@0.5 and mean box IoU."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from risseg.registry import METRICS


def box_iou(pred: Sequence[float], gt: Sequence[float]) -> float:
    """IoU of two xyxy boxes in continuous pixel coordinates (0 when the union is empty)."""
    px1, py1, px2, py2 = (float(v) for v in pred)
    gx1, gy1, gx2, gy2 = (float(v) for v in gt)
    iw = max(0.0, min(px2, gx2) - max(px1, gx1))
    ih = max(0.0, min(py2, gy2) - max(py1, gy1))
    inter = iw * ih
    union = max(0.0, px2 - px1) * max(0.0, py2 - py1) + max(0.0, gx2 - gx1) * max(0.0, gy2 - gy1)
    union -= inter
    return inter / union if union > 0 else 0.0


@METRICS.register_module()
class RefBoxMetric(BaseMetric):
    """Acc@X (share of samples with box IoU >= X) and mean box IoU of ``pred_bbox`` vs ``gt_bbox``.

    Both boxes must be (4,) xyxy in one frame (the original image when the model rescales).

    Args:
        iou_threshold: X of Acc@X (inclusive), 0.5 in every REC paper.
        collect_device, prefix: as mmengine's BaseMetric.

    Reports ``acc@0.5`` and ``box_mIoU`` (x100) and ``num_samples``.
    """

    default_prefix = ""

    def __init__(
        self, iou_threshold: float = 0.5, collect_device: str = "cpu", prefix: str | None = None
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_threshold = iou_threshold

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store the box IoU of every sample."""
        for sample in data_samples:
            pred, gt = sample.get("pred_bbox"), sample.get("gt_bbox")
            if pred is None or gt is None:
                ids = {k: sample.get(k) for k in ("ref_id", "sent_id", "img_path")}
                raise KeyError(f"RefBoxMetric: sample {ids} lacks pred_bbox or gt_bbox.")
            pred = torch.as_tensor(pred).reshape(-1).tolist()
            gt = torch.as_tensor(gt).reshape(-1).tolist()
            self.results.append(box_iou(pred, gt))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Reduce the per-sample box IoUs (x100)."""
        if not results:
            raise ValueError("RefBoxMetric: no samples were evaluated.")
        ious = np.asarray(results, dtype=np.float64)
        return {
            f"acc@{self.iou_threshold:g}": 100.0
            * float((ious >= self.iou_threshold - 1e-12).mean()),
            "box_mIoU": 100.0 * float(ious.mean()),
            "num_samples": len(results),
        }
