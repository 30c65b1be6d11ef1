"""A hand-made REFER dataset (12 refs, 5 images) written into a temporary folder.

Layout: ``<root>/refcoco/{refs(unc).p, instances.json}`` and ``<root>/images/img<k>.png``.
Covers polygons, a two-polygon object whose parts overlap, compressed and uncompressed RLE,
unc-style splits incl. a ``testAB`` ref, and refs with 1-3 sentences.
"""

from __future__ import annotations

import copy
import json
import os.path as osp
import pickle
from pathlib import Path

import cv2
import numpy as np

from risseg.utils.masks import mask_to_rle

H, W = 24, 32  # every fixture image is 24 x 32


def _square(x: float, y: float, s: float) -> list[float]:
    return [x, y, x + s, y, x + s, y + s, x, y + s]


def _rle_mask() -> np.ndarray:
    m = np.zeros((H, W), dtype=bool)
    m[2:10, 20:30] = True
    return m


def _uncompressed_rle(mask: np.ndarray) -> dict:
    flat = mask.reshape(-1, order="F").astype(np.uint8)  # COCO RLE is column-major
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            cur, run = v, 0
        run += 1
    counts.append(run)
    return {"size": [H, W], "counts": counts}


def fixture_annotations() -> tuple[list[dict], dict]:
    """The refs list and the instances dict of the fixture."""
    segs = {
        1: [_square(2, 2, 8)],
        2: [_square(12, 4, 6), _square(15, 7, 6)],  # overlapping parts
        3: [_square(4, 10, 10)],
        4: mask_to_rle(_rle_mask()),
        5: [_square(1, 1, 5)],
        6: [[20, 2, 30, 2, 25, 12]],
        7: [_square(3, 3, 7)],
        8: [_square(14, 3, 7)],
        9: [_square(22, 12, 8)],
        10: [_square(5, 14, 6)],
        11: _uncompressed_rle(_rle_mask()),
        12: [_square(16, 14, 5)],
    }
    image_of = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 4, 10: 5, 11: 5, 12: 5}
    split_of = {
        1: "train",
        2: "train",
        3: "train",
        4: "train",
        5: "val",
        6: "val",
        7: "testA",
        8: "testB",
        9: "testAB",
        10: "testB",
        11: "train",
        12: "testA",
    }
    n_sents = {1: 2, 2: 1, 3: 3, 4: 1, 5: 1, 6: 2, 7: 2, 8: 1, 9: 2, 10: 1, 11: 1, 12: 1}
    anns, refs, sent_id = [], [], 0
    for k, segm in segs.items():
        if isinstance(segm, list):
            xs = [v for p in segm for v in p[0::2]]
            ys = [v for p in segm for v in p[1::2]]
            bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
        else:
            bbox = [20.0, 2.0, 10.0, 8.0]
        anns.append(
            dict(
                id=100 + k,
                image_id=image_of[k],
                category_id=k % 3 + 1,
                segmentation=segm,
                bbox=bbox,
                area=1.0,
                iscrowd=0,
            )
        )
        sentences = []
        for j in range(n_sents[k]):
            sent_id += 1
            raw = f"Object {k}, sentence {j}."
            tokens = ["object", str(k), "sentence", str(j)]
            sentences.append(dict(raw=raw, sent=" ".join(tokens), tokens=tokens, sent_id=sent_id))
        refs.append(
            dict(
                ref_id=k,
                ann_id=100 + k,
                image_id=image_of[k],
                category_id=k % 3 + 1,
                split=split_of[k],
                sent_ids=[s["sent_id"] for s in sentences],
                sentences=sentences,
                file_name=f"img{image_of[k]}_{100 + k}.png",
            )
        )
    images = [dict(id=i, file_name=f"img{i}.png", height=H, width=W) for i in range(1, 6)]
    cats = [dict(id=i, name=f"cat{i}", supercategory="thing") for i in range(1, 4)]
    instances = dict(info={}, licenses=[], images=images, annotations=anns, categories=cats)
    return refs, instances


def write_refer(
    root: Path,
    refs: list[dict] | None = None,
    instances: dict | None = None,
    write_images: bool = True,
) -> Path:
    """Write the fixture (or modified refs/instances) under ``root``; returns ``root``."""
    base_refs, base_inst = fixture_annotations()
    refs = copy.deepcopy(base_refs if refs is None else refs)
    instances = copy.deepcopy(base_inst if instances is None else instances)
    ann_dir = root / "refcoco"
    ann_dir.mkdir(parents=True, exist_ok=True)
    with open(ann_dir / "refs(unc).p", "wb") as f:
        pickle.dump(refs, f, protocol=2)
    with open(ann_dir / "instances.json", "w") as f:
        json.dump(instances, f)
    if write_images:
        (root / "images").mkdir(exist_ok=True)
        for img in instances["images"]:
            pixels = np.full((img["height"], img["width"], 3), 10 * img["id"], np.uint8)
            pixels[0, 0] = (0, 0, 255)  # BGR red: the loader must return RGB (255, 0, 0)
            cv2.imwrite(osp.join(root, "images", img["file_name"]), pixels)
    return root
