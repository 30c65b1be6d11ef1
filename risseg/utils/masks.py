"""Mask and box conversions shared by datasets, labelers and metrics.

Segmentations follow COCO: a list of polygons (each a flat ``[x1, y1, x2, y2, ...]`` list),
a compressed RLE dict (``counts`` str/bytes) or an uncompressed RLE dict (``counts`` list).
Masks are ``bool`` numpy arrays (H, W). Boxes are ``[x, y, w, h]`` (xywh) or
``[x1, y1, x2, y2]`` (xyxy) in pixel-edge coordinates (a one-pixel mask at (0, 0) has the
box ``[0, 0, 1, 1]``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pycocotools.mask as mask_utils


def polygons_to_mask(polygons: Sequence[Sequence[float]], height: int, width: int) -> np.ndarray:
    """Rasterise polygons and merge them by union.

    REFER's ``getMask`` sums the per-polygon masks and several seeds then keep ``== 1``,
    which silently drops pixels where polygons overlap; here overlaps stay foreground.
    Polygons with fewer than three points enclose no area and are ignored (pycocotools would
    misread a 4-number polygon as a box).

    Args:
        polygons: list of flat ``[x1, y1, x2, y2, ...]`` lists.
        height: image height H.
        width: image width W.

    Returns:
        bool array (H, W).
    """
    polys = [[float(v) for v in p] for p in polygons if len(p) >= 6]
    for poly in polys:
        if len(poly) % 2:
            raise ValueError(f"Polygon has an odd number of coordinates ({len(poly)}).")
    if not polys:
        return np.zeros((height, width), dtype=bool)
    rles = mask_utils.frPyObjects(polys, height, width)
    return mask_utils.decode(mask_utils.merge(rles)).astype(bool)


def rle_to_mask(rle: dict, height: int | None = None, width: int | None = None) -> np.ndarray:
    """Decode a compressed or uncompressed COCO RLE.

    Args:
        rle: ``{'size': [H, W], 'counts': str | bytes | list[int]}``.
        height: expected H (checked against ``rle['size']`` when given).
        width: expected W.

    Returns:
        bool array (H, W).
    """
    if "size" not in rle or "counts" not in rle:
        raise ValueError(f"RLE needs 'size' and 'counts', got keys {sorted(rle)}.")
    h, w = (int(v) for v in rle["size"])
    if (height is not None and h != height) or (width is not None and w != width):
        raise ValueError(f"RLE size {h}x{w} differs from the image size {height}x{width}.")
    if isinstance(rle["counts"], list):  # uncompressed: compress first
        rle = mask_utils.frPyObjects(rle, h, w)
    return mask_utils.decode(rle).astype(bool)


def segmentation_to_mask(segmentation: list | dict, height: int, width: int) -> np.ndarray:
    """Decode any COCO segmentation (polygons or RLE) to a bool mask (H, W).

    Args:
        segmentation: polygons list, compressed RLE or uncompressed RLE.
        height: image height H.
        width: image width W.

    Returns:
        bool array (H, W); multi-part objects are merged by union.
    """
    if isinstance(segmentation, dict):
        return rle_to_mask(segmentation, height, width)
    if isinstance(segmentation, (list, tuple)):
        return polygons_to_mask(segmentation, height, width)
    raise TypeError(f"Unsupported segmentation type {type(segmentation).__name__}.")


def mask_to_rle(mask: np.ndarray) -> dict:
    """Encode a mask as a JSON-serialisable compressed COCO RLE.

    Args:
        mask: bool or 0/1 array (H, W).

    Returns:
        ``{'size': [H, W], 'counts': str}``.
    """
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def mask_to_bbox(mask: np.ndarray) -> np.ndarray:
    """Tight xyxy box of a mask in pixel-edge coordinates.

    Args:
        mask: bool array (H, W).

    Returns:
        float32 array (4,) ``[x1, y1, x2, y2]``; all zeros for an empty mask.
    """
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if len(xs) == 0:
        return np.zeros(4, dtype=np.float32)
    return np.array([xs[0], ys[0], xs[-1] + 1, ys[-1] + 1], dtype=np.float32)


def bbox_xywh_to_xyxy(bbox: Sequence[float] | np.ndarray) -> np.ndarray:
    """Convert ``[x, y, w, h]`` boxes (..., 4) to ``[x1, y1, x2, y2]`` float32 (..., 4)."""
    box = np.asarray(bbox, dtype=np.float32).copy()
    box[..., 2:] += box[..., :2]
    return box


def bbox_xyxy_to_xywh(bbox: Sequence[float] | np.ndarray) -> np.ndarray:
    """Convert ``[x1, y1, x2, y2]`` boxes (..., 4) to ``[x, y, w, h]`` float32 (..., 4)."""
    box = np.asarray(bbox, dtype=np.float32).copy()
    box[..., 2:] -= box[..., :2]
    return box


def box_mask(box: Sequence[float] | np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of an xyxy box (pixels whose index lies in [x1, x2) x [y1, y2))."""
    x1, y1, x2, y2 = np.asarray(box, dtype=np.float64).reshape(4)
    out = np.zeros((height, width), dtype=bool)
    xs = slice(int(np.clip(np.floor(x1), 0, width)), int(np.clip(np.ceil(x2), 0, width)))
    ys = slice(int(np.clip(np.floor(y1), 0, height)), int(np.clip(np.ceil(y2), 0, height)))
    out[ys, xs] = True
    return out


def ellipse_mask(box: Sequence[float] | np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of the ellipse inscribed in an xyxy box (pixel centres inside it).

    A box smaller than a pixel still yields the pixel that holds its centre.
    """
    x1, y1, x2, y2 = np.asarray(box, dtype=np.float64).reshape(4)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    rx, ry = max((x2 - x1) / 2, 0.5), max((y2 - y1) / 2, 0.5)
    xs = (np.arange(width) + 0.5 - cx) / rx
    ys = (np.arange(height) + 0.5 - cy) / ry
    return (xs[None, :] ** 2 + ys[:, None] ** 2) <= 1.0
