"""Localisation metrics of response maps: PointM (TRIS) and the box-hit rate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from risseg.evaluation.metrics.ref_seg_metric import _get, _mask_tensor
from risseg.registry import METRICS


def peak_of(sample) -> tuple[int, int]:
    """(x, y) of a sample's peak: its ``pred_peak`` metainfo, else the arg-max of
    ``pred_logits`` (first maximum in row-major order)."""
    peak = _get(sample, "pred_peak")
    if peak is not None:
        return int(peak[0]), int(peak[1])
    logits = _get(sample, "pred_logits")
    if logits is None:
        ids = {k: _get(sample, k) for k in ("ref_id", "sent_id", "img_path")}
        raise KeyError(f"RefPointMetric: sample {ids} has neither pred_peak nor pred_logits.")
    data = logits["data"] if isinstance(logits, dict) else getattr(logits, "data", logits)
    data = torch.as_tensor(data).float()
    data = data[0] if data.ndim == 3 else data
    y, x = divmod(int(data.argmax()), data.shape[-1])
    return x, y


@METRICS.register_module()
class RefPointMetric(BaseMetric):
    """PointM and box hit: is the peak of the predicted response map on the referent?

    PointM (TRIS, https://arxiv.org/abs/2308.14575): the share of samples whose peak pixel lies
    inside the GT **mask**; ``box_hit``: inside the GT **box** (the pixel centre ``(x + 0.5,
    y + 0.5)`` within the xyxy ``gt_bbox``, ends inclusive). The peak comes from
    :func:`peak_of`, in the frame of ``pred_logits``, which must be the frame of ``gt_mask`` and
    ``gt_bbox`` (the original image, as ``RefSegMetric`` requires). Use next to
    ``RefSegMetric``: ``val_evaluator = [dict(type='RefSegMetric'), dict(type='RefPointMetric')]``.

    Reports ``PointM`` and ``box_hit`` (x100).
    """

    default_prefix = ""

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store the two hits of every sample."""
        for sample in data_samples:
            ids = {k: _get(sample, k) for k in ("ref_id", "sent_id", "img_path")}
            gt = _mask_tensor(_get(sample, "gt_mask"))
            box = _get(sample, "gt_bbox")
            if gt is None and box is None:
                raise KeyError(f"RefPointMetric: sample {ids} has neither gt_mask nor gt_bbox.")
            x, y = peak_of(sample)
            h, w = gt.shape if gt is not None else _get(sample, "ori_shape")[:2]
            if not (0 <= x < w and 0 <= y < h):
                raise ValueError(f"RefPointMetric: sample {ids} peak {(x, y)} outside {(h, w)}.")
            rec = dict(mask_hit=None, box_hit=None)
            if gt is not None:
                rec["mask_hit"] = bool(gt[y, x])
            if box is not None:
                x1, y1, x2, y2 = (float(v) for v in torch.as_tensor(box).reshape(-1)[:4])
                rec["box_hit"] = bool(x1 <= x + 0.5 <= x2 and y1 <= y + 0.5 <= y2)
            self.results.append(rec)

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Hit rates (x100) over the samples that have the GT in question."""
        if not results:
            raise ValueError("RefPointMetric: no samples were evaluated.")
        out: dict[str, float] = {}
        for key, name in (("mask_hit", "PointM"), ("box_hit", "box_hit")):
            hits = [r[key] for r in results if r[key] is not None]
            if hits:
                out[name] = 100.0 * float(np.mean(hits))
        return out
