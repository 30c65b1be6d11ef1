"""Reading and writing pseudo-label files: one JSON per image (proposals) or per sample.

A proposal file ``<dir>/<image_id>.json`` holds::

    {"image_id": int, "height": H, "width": W, "labeler": str,
     "masks": [COCO compressed RLE, ...], "scores": [float, ...]}

with masks at the image's original resolution. Files are written atomically (temporary file
then ``os.replace``) so an interrupted run never leaves a truncated file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pycocotools.mask as mask_utils


def encode_masks(masks: np.ndarray) -> list[dict]:
    """(N, H, W) bool masks -> N COCO compressed RLEs with str ``counts``."""
    out = []
    for m in masks:
        rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
        out.append(dict(size=[int(s) for s in rle["size"]], counts=rle["counts"].decode("ascii")))
    return out


def decode_masks(rles: list[dict], height: int, width: int) -> np.ndarray:
    """N COCO RLEs -> (N, H, W) bool masks (an empty list gives (0, H, W))."""
    if not rles:
        return np.zeros((0, height, width), dtype=bool)
    masks = mask_utils.decode([dict(r, counts=r["counts"].encode("ascii")) for r in rles])
    masks = masks.transpose(2, 0, 1).astype(bool)  # (H, W, N) -> (N, H, W)
    if masks.shape[1:] != (height, width):
        raise ValueError(f"RLE size {masks.shape[1:]} differs from the image {height}x{width}.")
    return masks


def write_json_atomic(path: str | Path, obj: dict) -> None:
    """Write JSON to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def proposal_path(out_dir: str | Path, image_id: int) -> Path:
    """Path of the proposal file of one image."""
    return Path(out_dir) / f"{int(image_id)}.json"


def read_proposals(out_dir: str | Path, image_id: int) -> tuple[np.ndarray, list[float]]:
    """Load the proposals of one image.

    Returns:
        (N, H, W) bool masks at original resolution and N scores.

    Raises:
        FileNotFoundError: naming the missing file (proposals were not generated for it).
    """
    path = proposal_path(out_dir, image_id)
    if not path.is_file():
        raise FileNotFoundError(f"No proposals for image {image_id}: {path} does not exist.")
    with open(path) as f:
        rec = json.load(f)
    try:
        masks = decode_masks(rec["masks"], int(rec["height"]), int(rec["width"]))
    except (KeyError, ValueError) as e:
        raise ValueError(f"Malformed proposal file {path}: {e}") from e
    return masks, [float(s) for s in rec.get("scores", [1.0] * len(masks))]
