"""Packing of pipeline results into the model's inputs and a RISDataSample."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from risseg.registry import TRANSFORMS
from risseg.structures import RISDataSample

DEFAULT_META_KEYS = (
    "img_path",
    "image_id",
    "ref_id",
    "ann_id",
    "sent_id",
    "category_id",
    "text",
    "ori_shape",
    "img_shape",
    "pad_shape",
    "img_offset",
    "scale_factor",
    "flip",
    "supervision",
    "gt_iscrowd",
    "text_truncated",  # TokenizeText: counted by TextCoverageHook
    "text_no_known_word",
)


@TRANSFORMS.register_module()
class PackRISInputs(BaseTransform):
    """Pack ``results`` into ``{'inputs', 'data_samples'}`` (the last transform of a pipeline).

    Args:
        meta_keys: results keys copied into the sample's metainfo when present.
        extra_data_keys: further results keys (e.g. ``'gt_points'``) copied as tensor data
            fields when present.

    Returns:
        inputs: (3, H, W) uint8 RGB tensor.
        data_samples: RISDataSample with the metainfo, ``gt_mask`` (PixelData, bool (1, H, W)),
            ``gt_bbox`` ((4,) float32), ``text_ids`` ((L,) int64) and ``text_mask`` ((L,) bool)
            for the keys present in ``results``.
    """

    def __init__(
        self, meta_keys: Sequence[str] = DEFAULT_META_KEYS, extra_data_keys: Sequence[str] = ()
    ) -> None:
        self.meta_keys = tuple(meta_keys)
        self.extra_data_keys = tuple(extra_data_keys)

    def transform(self, results: dict) -> dict:
        """Pack one sample; raises ValueError if the image is not (H, W, 3)."""
        img = np.asarray(results["img"])
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(
                f"PackRISInputs: expected an (H, W, 3) RGB image for {results.get('img_path')}, "
                f"got shape {img.shape}."
            )
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))  # (H,W,3)->(3,H,W)
        sample = RISDataSample()
        if results.get("gt_mask") is not None:
            mask = torch.from_numpy(np.ascontiguousarray(results["gt_mask"], dtype=bool))
            sample.gt_mask = PixelData(data=mask[None])  # (H, W) -> (1, H, W)
        if results.get("gt_bbox") is not None:
            sample.gt_bbox = torch.as_tensor(np.asarray(results["gt_bbox"], dtype=np.float32))
        if results.get("text_ids") is not None:
            sample.text_ids = torch.as_tensor(np.asarray(results["text_ids"], dtype=np.int64))
            sample.text_mask = torch.as_tensor(np.asarray(results["text_mask"], dtype=bool))
        for key in self.extra_data_keys:
            if results.get(key) is not None:
                sample.set_field(torch.as_tensor(np.asarray(results[key])), key)
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return {"inputs": inputs, "data_samples": sample}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(meta_keys={self.meta_keys}, extra={self.extra_data_keys})"
