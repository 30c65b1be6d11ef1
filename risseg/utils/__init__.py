"""Shared helpers: mask/box conversions, safe loading of annotation pickles, registration."""

from risseg.utils.masks import (
    bbox_xywh_to_xyxy,
    bbox_xyxy_to_xywh,
    mask_to_bbox,
    mask_to_rle,
    polygons_to_mask,
    rle_to_mask,
    segmentation_to_mask,
)
from risseg.utils.safe_pickle import (
    SafeUnpickler,
    UnsafePickleError,
    safe_load_pickle,
    safe_loads,
)
from risseg.utils.setup_env import register_all_modules

__all__ = [
    "SafeUnpickler",
    "UnsafePickleError",
    "bbox_xywh_to_xyxy",
    "bbox_xyxy_to_xywh",
    "mask_to_bbox",
    "mask_to_rle",
    "polygons_to_mask",
    "register_all_modules",
    "rle_to_mask",
    "safe_load_pickle",
    "safe_loads",
    "segmentation_to_mask",
]
