"""Pseudo-RIS generation stages after the masks: captions, then distinctiveness scores.

Each stage reads the per-image files of the previous one and writes one JSON per image into
its own folder (``<image_id>.json``, written atomically). An image whose file exists is
skipped, so a killed stage resumes where it stopped; ``shard_id`` / ``num_shards`` split the
images (sorted ids, strided) between processes. The mask stage is
``risseg.apis.generate_proposals`` with an ``InstanceFilteredMaskLabeler``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from mmengine.logging import print_log
from PIL import Image
from tqdm import tqdm

from risseg.utils.proposal_io import decode_masks, write_json_atomic


def image_ids(folder: str | Path) -> list[int]:
    """Sorted image ids of the per-image files in ``folder``."""
    return sorted(int(p.stem) for p in Path(folder).glob("*.json") if p.stem.isdigit())


def read_json(path: Path, what: str) -> dict:
    """A per-image JSON file, or an error naming it."""
    if not path.is_file():
        raise FileNotFoundError(f"{what} file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err


def load_masks(mask_dir: str | Path, image_id: int) -> tuple[dict, np.ndarray]:
    """The mask-stage record of an image and its non-empty masks bool ``(M, H, W)``."""
    rec = read_json(Path(mask_dir) / f"{image_id}.json", "Pseudo-mask")
    if not rec["masks"]:  # the instance model kept nothing
        return rec, np.zeros((0, rec["height"], rec["width"]), bool)
    masks = decode_masks(rec["masks"], rec["height"], rec["width"])
    return rec, masks[masks.reshape(len(masks), -1).any(axis=1)]


def load_rgb(path: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB of an image file, or an error naming it."""
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except OSError as err:
        raise OSError(f"cannot read image {path}: {err}") from err


def run_stage(
    name: str,
    mask_dir: str | Path,
    out_dir: str | Path,
    work: Callable[[int, dict, np.ndarray, np.ndarray], dict],
    *,
    shard_id: int = 0,
    num_shards: int = 1,
    progress: bool = True,
) -> dict[str, int]:
    """Apply ``work(image_id, mask_record, image, masks) -> record`` to every image with masks.

    Returns:
        Counts ``{'done', 'skipped', 'empty', 'total'}`` of this shard.
    """
    if not 0 <= shard_id < num_shards:
        raise ValueError(f"shard_id {shard_id} not in [0, {num_shards}).")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = image_ids(mask_dir)[shard_id::num_shards]
    if not ids:
        raise FileNotFoundError(f"{name}: no per-image mask files in {mask_dir}")
    counts = dict(done=0, skipped=0, empty=0, total=len(ids))
    for image_id in tqdm(ids, desc=f"{name} shard {shard_id}/{num_shards}", disable=not progress):
        path = out_dir / f"{image_id}.json"
        if path.exists():
            counts["skipped"] += 1
            continue
        rec, masks = load_masks(mask_dir, image_id)
        if len(masks) == 0:
            counts["empty"] += 1
            write_json_atomic(path, dict(image_id=image_id, num_masks=0))
            continue
        out = work(image_id, rec, load_rgb(rec["img_path"]), masks)
        write_json_atomic(path, dict(image_id=image_id, num_masks=len(masks), **out))
        counts["done"] += 1
    print_log(f"{name}: {json.dumps(counts)} -> {out_dir}", "current")
    return counts


def caption_stage(candidates, seed: int = 0):
    """The ``work`` of the caption stage: ``{'captions': M lists}`` (seeded per image)."""

    def work(image_id: int, rec: dict, image: np.ndarray, masks: np.ndarray) -> dict:
        return dict(captions=candidates(image, masks, seed=seed * 1_000_003 + image_id))

    return work


def score_stage(scorer, caption_dir: str | Path):
    """The ``work`` of the score stage: ``{'doc', 'nouns', 'one_mask'}`` of every mask."""

    def work(image_id: int, rec: dict, image: np.ndarray, masks: np.ndarray) -> dict:
        caps = read_json(Path(caption_dir) / f"{image_id}.json", "Caption")
        if caps["num_masks"] != len(masks):
            raise ValueError(
                f"{caption_dir}/{image_id}.json: {caps['num_masks']} masks, the mask file "
                f"has {len(masks)}; regenerate the captions"
            )
        doc, nouns = scorer(image, masks, caps["captions"])
        return dict(doc=doc, nouns=nouns, one_mask=len(masks) == 1)

    return work
