"""A metric that writes every prediction to a JSON file (e.g. pseudo labels on the train split)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from risseg.models.utils import boxes_to_original
from risseg.registry import METRICS
from risseg.utils.masks import mask_to_rle


def _as_numpy_mask(field) -> np.ndarray:
    """(H, W) bool array from a PixelData, its dict form or a tensor."""
    if isinstance(field, dict):
        data = field["data"]
    else:
        data = field.data if hasattr(field, "data") else field
    data = torch.as_tensor(data)
    return data.reshape(data.shape[-2:]).cpu().numpy().astype(bool)


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Write each sample's predicted mask as COCO RLE at the original resolution.

    Run it with ``tools/test.py`` (``--cfg-options test_evaluator.type=DumpPredictions``
    or a config's ``test_evaluator``) over any split, for instance the train split to make
    Partial-RES pseudo points. The model must predict at the original resolution
    (``test_cfg.rescale=True``, the default).

    The file is a JSON list of records with ``ref_id``, ``sent_id``, ``image_id``, ``ann_id``,
    ``supervision``, ``height``, ``width``, ``pred_rle`` (COCO RLE, str counts), ``gt_bbox``
    (xyxy at the original resolution), ``img_path``, ``text``, the sequence heads'
    ``pred_points`` ((M, 2) x, y) and ``pred_bbox`` (xyxy) when predicted, and, when the sample
    has a GT mask at the same resolution, ``iou`` (and ``gt_rle`` with ``with_gt_mask``).
    Written atomically.

    Args:
        out_file: JSON path to write.
        bbox_frame: frame of the samples' ``gt_bbox``: 'original' (annotations loaded after
            the geometric transforms, risseg's test pipelines) or 'input' (mapped back with
            ``boxes_to_original``).
        with_gt_mask: also store the GT mask as ``gt_rle`` (for drawing predictions against
            it, ``tools/analysis/show_predictions.py``).
        collect_device, prefix: see ``mmengine.evaluator.BaseMetric``.
    """

    default_prefix = "dump"

    def __init__(
        self,
        out_file: str,
        bbox_frame: str = "original",
        with_gt_mask: bool = False,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if bbox_frame not in ("original", "input"):
            raise ValueError(f"bbox_frame must be 'original' or 'input', got {bbox_frame!r}")
        self.out_file = out_file
        self.bbox_frame = bbox_frame
        self.with_gt_mask = with_gt_mask

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Turn each predicted sample into a JSON-ready record."""
        for sample in data_samples:
            pred = _as_numpy_mask(sample["pred_mask"])
            ori_h, ori_w = sample["ori_shape"][:2]
            if pred.shape != (ori_h, ori_w):
                raise ValueError(
                    f"DumpPredictions: pred_mask of ref {sample.get('ref_id')} is {pred.shape}, "
                    f"not the original {(ori_h, ori_w)}; set model.test_cfg.rescale=True"
                )
            record = {
                key: (int(sample[key]) if key in sample and sample[key] is not None else None)
                for key in ("ref_id", "sent_id", "image_id", "ann_id")
            }
            record.update(
                supervision=sample.get("supervision"),
                height=int(ori_h),
                width=int(ori_w),
                pred_rle=mask_to_rle(pred),
                img_path=sample.get("img_path"),
                text=sample.get("text"),
            )
            for key in ("pred_points", "pred_bbox"):  # sequence heads, original resolution
                if sample.get(key) is not None:
                    values = torch.as_tensor(sample[key]).float().cpu().numpy()
                    record[key] = np.round(values, 2).tolist()
            if sample.get("gt_bbox") is not None:
                box = torch.as_tensor(sample["gt_bbox"]).float()
                if self.bbox_frame == "input":
                    box = boxes_to_original(box, sample)
                record["gt_bbox"] = [round(float(v), 2) for v in box]
            if sample.get("gt_mask") is not None:
                gt = _as_numpy_mask(sample["gt_mask"])
                if gt.shape == pred.shape:
                    union = np.logical_or(gt, pred).sum()
                    record["iou"] = float(np.logical_and(gt, pred).sum() / union) if union else 0.0
                    if self.with_gt_mask:
                        record["gt_rle"] = mask_to_rle(gt)
            self.results.append(record)

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Write the file; returns the number of records and, where known, their mean IoU."""
        path = Path(self.out_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with open(tmp, "w") as f:
            json.dump(results, f)
        os.replace(tmp, path)
        print_log(f"DumpPredictions: wrote {len(results)} predictions to {path}", logger="current")
        ious = [r["iou"] for r in results if "iou" in r]
        out = {"num_predictions": float(len(results))}
        if ious:
            out["mIoU"] = 100.0 * float(np.mean(ious))
        return out


def load_predictions(path: str | os.PathLike, required: Sequence[str] = ()) -> list[dict]:
    """Read a :class:`DumpPredictions` file (``tools/test.py ... --out preds.json``).

    Args:
        path: the JSON file.
        required: keys every record must hold (not None).

    Returns:
        The records, in file order.

    Raises:
        ValueError: the file holds no record.
        KeyError: a record lacks a required key (the error names the record and its ref).
    """
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    if not records:
        raise ValueError(f"{path}: no predictions")
    for i, rec in enumerate(records):
        missing = [k for k in required if rec.get(k) is None]
        if missing:
            raise KeyError(
                f"{path}: record {i} (ref {rec.get('ref_id')}) lacks {missing}; "
                "write the file with tools/test.py --out preds.json"
            )
    return records
