"""Shared helpers: mask/box conversions and safe loading of annotation pickles."""
from .masks import (
                    bbox_xywh_to_xyxy,
                    bbox_xyxy_to_xywh,
                    mask_to_bbox,
                    mask_to_rle,
                    polygons_to_mask,
                    rle_to_mask,
                    segmentation_to_mask,
)
from .safe_pickle import SafeUnpickler, UnsafePickleError, safe_load_pickle, safe_loads

__all__ = [
    "bbox_xywh_to_xyxy", "bbox_xyxy_to_xywh", "mask_to_bbox", "mask_to_rle", "polygons_to_mask",
    "rle_to_mask", "segmentation_to_mask", "SafeUnpickler", "UnsafePickleError",
    "safe_load_pickle", "safe_loads",
]
