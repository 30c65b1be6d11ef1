"""Referring segmentation metrics: mIoU, oIoU and Prec@X over (ref, sentence) samples.

Definitions (docs/metrics.md): for sample k, I_k = |P_k & G_k|, U_k = |P_k | G_k| and
IoU_k = I_k / U_k. mIoU = mean_k IoU_k; oIoU = sum_k I_k / sum_k U_k over ALL samples (not a
mean of per-batch ratios); Prec@X = share of samples with IoU_k >= X. All reported x100.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from risseg.registry import METRICS

PREC_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
# where a prediction was compared, as logged
FRAMES = {
    "original": "at original resolution",
    "input": "NOT at original resolution (network-input frame)",
    "pad": "in the whole padded input frame",
}


def _get(sample, key: str, default=None):
    """Read a field or metainfo key from a RISDataSample or its ``to_dict()`` form."""
    return sample.get(key, default)  # dict.get and BaseDataElement.get alike


def _mask_tensor(value) -> torch.Tensor | None:
    """(1, H, W) or (H, W) PixelData / dict / tensor / array -> (H, W) bool tensor."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value["data"]
    elif hasattr(value, "data") and not isinstance(value, (torch.Tensor, np.ndarray)):
        value = value.data
    mask = torch.as_tensor(value)
    if mask.ndim == 3:
        mask = mask[0]
    return mask.bool()


def mask_iou(
    pred: torch.Tensor,
    gt: torch.Tensor,
    *,
    iscrowd: bool = False,
    iou_mode: str = "standard",
    zero_union: str = "zero",
    zero_intersection_is_zero: bool = False,
) -> tuple[int, int, float]:
    """Intersection, union and IoU of two boolean masks of one shape.

    Args:
        pred, gt: (H, W) bool masks.
        iscrowd: whether the GT annotation is a crowd (used only when iou_mode='coco_crowd').
        iou_mode: 'standard' (I / U) or 'coco_crowd' (I / area(pred) when ``iscrowd``, as
            ``pycocotools.mask.iou`` does; SeqTR's protocol).
        zero_union: IoU when U = 0 (both masks empty): 'zero' (LAVT test) or 'one'.
        zero_intersection_is_zero: force IoU 0 when I = 0 (LAVT's training-time evaluator).

    Returns:
        (I, U, IoU); I and U are always the plain pixel counts, whatever the mode.
    """
    inter = int((pred & gt).sum())
    union = int((pred | gt).sum())
    denom = int(pred.sum()) if (iou_mode == "coco_crowd" and iscrowd) else union
    if denom == 0:
        iou = 1.0 if (zero_union == "one" and union == 0) else 0.0
    else:
        iou = inter / denom
    if zero_intersection_is_zero and inter == 0:
        iou = 0.0
    return inter, union, iou


@METRICS.register_module()
class RefSegMetric(BaseMetric):
    """mIoU, oIoU, Prec@0.5:0.9 of ``pred_mask`` against ``gt_mask``.

    Each sample is one (ref, sentence) pair; the dataset decides which sentences are evaluated
    (risseg's test sets use every sentence of every ref). Masks are compared in the frame they
    arrive in: a prediction at original resolution needs a GT at original resolution, one in
    the padded input frame (SeqTR ``test_cfg.frame='pad'``, metainfo ``pred_frame``) a GT
    loaded before Resize/Pad and transformed with the image (docs/metrics.md, "Protocols").

    Args:
        iou_mode: 'standard' or 'coco_crowd' (SeqTR: crowd GTs, metainfo ``gt_iscrowd``, use
            I / area(pred)).
        zero_union: 'zero' or 'one': the IoU of a sample whose prediction and GT are both empty.
        zero_intersection_is_zero: IoU 0 whenever I = 0 (LAVT training-time evaluator).
        resize_to: None, or (H, W): nearest-resize prediction and GT to this size before
            comparing; shapes may then differ. With predictions at the original resolution
            this approximates the LAVT/S+S+C/SemiRES 480x480 protocol; the exact one predicts
            at 480x480 (``test_cfg.rescale=False``, GT resized by the pipeline) and needs no
            resize here (docs/metrics.md).
        thresholds: IoU thresholds of Prec@X (inclusive, IoU >= X).
        collect_device, prefix: as mmengine's BaseMetric (no prefix: keys ``mIoU`` etc.).
    """

    default_prefix = ""

    def __init__(
        self,
        iou_mode: str = "standard",
        zero_union: str = "zero",
        zero_intersection_is_zero: bool = False,
        resize_to: Sequence[int] | None = None,
        thresholds: Sequence[float] = PREC_THRESHOLDS,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if iou_mode not in ("standard", "coco_crowd"):
            raise ValueError(
                f"RefSegMetric: iou_mode must be 'standard' or 'coco_crowd', got {iou_mode!r}."
            )
        if zero_union not in ("zero", "one"):
            raise ValueError(
                f"RefSegMetric: zero_union must be 'zero' or 'one', got {zero_union!r}."
            )
        self.iou_mode = iou_mode
        self.zero_union = zero_union
        self.zero_intersection_is_zero = zero_intersection_is_zero
        self.resize_to = None if resize_to is None else (int(resize_to[0]), int(resize_to[1]))
        self.thresholds = tuple(thresholds)

    def _resize(self, mask: torch.Tensor) -> torch.Tensor:
        if self.resize_to is None or tuple(mask.shape) == self.resize_to:
            return mask
        resized = F.interpolate(
            mask[None, None].float(), size=self.resize_to, mode="nearest-exact"
        )  # pixel centres, as PIL
        return resized[0, 0].bool()

    @staticmethod
    def _frame_of(sample, pred: torch.Tensor) -> str:
        """'pad' (padded input frame, from ``pred_frame``), 'original' or 'input'."""
        if _get(sample, "pred_frame") == "pad":
            return "pad"
        ori_shape = _get(sample, "ori_shape")
        at_original = ori_shape is not None and tuple(pred.shape) == tuple(ori_shape[:2])
        return "original" if at_original else "input"

    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store (I, U, IoU) of every sample of the batch (never the masks themselves)."""
        for sample in data_samples:
            pred = _mask_tensor(_get(sample, "pred_mask"))
            gt = _mask_tensor(_get(sample, "gt_mask"))
            ids = {k: _get(sample, k) for k in ("ref_id", "sent_id", "img_path")}
            if pred is None or gt is None:
                missing = "pred_mask" if pred is None else "gt_mask"
                raise KeyError(f"RefSegMetric: sample {ids} has no {missing}.")
            pred, gt = pred.cpu(), gt.cpu()
            if self.resize_to is None and pred.shape != gt.shape:
                raise ValueError(
                    f"RefSegMetric: sample {ids} has pred_mask {tuple(pred.shape)} "
                    f"(pred_frame={_get(sample, 'pred_frame')!r}) but gt_mask "
                    f"{tuple(gt.shape)}. Compare masks in one frame: predict at original "
                    "resolution with the GT loaded after the geometric transforms, or predict "
                    "in the input frame (test_cfg.rescale=False, or frame='pad' for SeqTR) "
                    "with the GT loaded before Resize/Pad, or set resize_to."
                )
            frame = self._frame_of(sample, pred)
            inter, union, iou = mask_iou(
                self._resize(pred),
                self._resize(gt),
                iscrowd=bool(_get(sample, "gt_iscrowd", False)),
                iou_mode=self.iou_mode,
                zero_union=self.zero_union,
                zero_intersection_is_zero=self.zero_intersection_is_zero,
            )
            self.results.append(
                dict(
                    inter=inter,
                    union=union,
                    iou=iou,
                    ref_id=ids["ref_id"],
                    frame=frame,
                    shape=tuple(pred.shape),
                )
            )

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Reduce all samples (gathered from every rank) to the reported numbers (x100)."""
        if not results:
            raise ValueError("RefSegMetric: no samples were evaluated.")
        inter = np.array([r["inter"] for r in results], dtype=np.float64)
        union = np.array([r["union"] for r in results], dtype=np.float64)
        ious = np.array([r["iou"] for r in results], dtype=np.float64)
        metrics = {
            "mIoU": 100.0 * float(ious.mean()),
            "oIoU": 100.0 * float(inter.sum() / union.sum()) if union.sum() > 0 else 0.0,
        }
        for t in self.thresholds:
            metrics[f"prec@{t:g}"] = 100.0 * float((ious >= t - 1e-12).mean())
        metrics["num_samples"] = len(results)
        self._log_protocol(results)
        return metrics

    def _log_protocol(self, results: list) -> None:
        """Say at which resolution, with which IoU rule and on which samples we evaluated."""
        counts = {name: sum(r["frame"] == name for r in results) for name in FRAMES}
        if self.resize_to is not None:
            frame = f"both masks nearest-resized to {self.resize_to} (legacy LAVT protocol)"
        elif counts["original"] == len(results):
            frame = "original image resolution"
        elif counts["pad"] == len(results):
            frame = "each sample's whole padded input frame (SeqTR release protocol)"
        else:
            shapes = sorted({r["shape"] for r in results if r["frame"] == "input"})[:3]
            frame = ", ".join(
                f"{counts[name]} of {len(results)} samples {FRAMES[name]}"
                for name in FRAMES
                if counts[name]
            ) + (f" (e.g. {shapes})" if shapes else "")
        refs = {r["ref_id"] for r in results if r["ref_id"] is not None}
        print_log(
            f"RefSegMetric protocol: {frame}; iou_mode={self.iou_mode}, "
            f"zero_union={self.zero_union}, "
            f"zero_intersection_is_zero={self.zero_intersection_is_zero}; {len(results)} samples "
            f"(ref, sentence) from {len(refs)} refs; the binarisation threshold is the model's "
            "test_cfg; oIoU = sum(I) / sum(U) over all samples.",
            logger="current",
        )
