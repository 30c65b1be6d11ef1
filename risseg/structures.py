"""The data sample that travels from the dataset to the metric.

A :class:`RISDataSample` holds one (image, expression) pair.

Metainfo (set by the dataset and transforms, read by models and metrics):
    text (str): the expression after text transforms (e.g. the flip's left/right swap).
    img_path (str), image_id (int), ref_id (int), ann_id (int), sent_id (int).
    ori_shape (tuple[int, int]): (H, W) of the image on disk.
    img_shape (tuple[int, int]): (H, W) of the resized image content, before padding.
    pad_shape (tuple[int, int]): (H, W) of the network input after padding.
    img_offset (tuple[int, int]): (x, y) of the resized content's top-left corner inside the
        padded input (non-zero for centred letterboxing).
    scale_factor (tuple[float, float]): (w_scale, h_scale) from original to resized content.
    flip (bool): whether a horizontal flip was applied.
    supervision (str): 'mask', 'box' or 'none': what the training target of this sample is.
    gt_iscrowd (bool): whether the GT annotation has more than one polygon (SeqTR protocol).

Data fields:
    gt_mask (PixelData): ``data`` bool (1, H, W) in the current frame.
    gt_bbox (Tensor): (4,) float xyxy in the current frame.
    text_ids (Tensor): (L,) int64 token ids;  text_mask (Tensor): (L,) bool, True on real tokens.
    pred_mask (PixelData): ``data`` bool (1, H, W); at original resolution when the model
        rescales (the default), else in the network input frame.
    pred_logits (PixelData): optional ``data`` float (1, H, W), same frame as pred_mask.
    pred_bbox (Tensor): optional (4,) xyxy, same frame as pred_mask.
    pred_points (Tensor): optional (N, 2) xy contour points, same frame as pred_mask.
    pseudo_mask (PixelData): ``data`` bool (1, H, W), written by pseudo labelers.
"""

from __future__ import annotations

from mmengine.structures import BaseDataElement, PixelData
from torch import Tensor


def _field(name: str, dtype: type) -> property:
    """A typed data field stored as ``_<name>`` (the mmengine BaseDataElement convention)."""
    private = f"_{name}"

    def getter(self):
        return getattr(self, private)

    def setter(self, value) -> None:
        self.set_field(value, private, dtype=dtype)

    def deleter(self) -> None:
        delattr(self, private)

    return property(getter, setter, deleter, doc=f"{name} ({dtype.__name__}); see module doc.")


class RISDataSample(BaseDataElement):
    """One referring segmentation sample: GT, predictions and pseudo labels (see module doc)."""

    gt_mask = _field("gt_mask", PixelData)
    gt_bbox = _field("gt_bbox", Tensor)
    pred_mask = _field("pred_mask", PixelData)
    pred_logits = _field("pred_logits", PixelData)
    pseudo_mask = _field("pseudo_mask", PixelData)


SampleList = list[RISDataSample]
