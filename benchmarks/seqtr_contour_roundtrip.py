"""How much mask quality does SeqTR's point-sequence representation keep?

For every annotation of a REFER-format ``instances.json`` (SynthRef by default): decode the
mask, resize it keep-ratio into ``--size`` (as the test pipeline does), sample at most N contour
points, quantise them into tokens relative to the padded (multiple of 32) frame, decode the
tokens, rasterise the polygon and compare with the resized mask (IoU). Reported per N and per
pixel offset (0: SeqTR's rule; 0.5: polygon through pixel centres, risseg's default): mean
IoU and overall IoU (sum I / sum U), in percent.

    python benchmarks/seqtr_contour_roundtrip.py --ann data/synthref/instances.json --size 128
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import cv2
import numpy as np
import pycocotools.mask as mask_utils
import torch

from risseg.utils.contour import (
    mask_to_contour_points,
    points_to_mask,
    points_to_tokens,
    tokens_to_points,
)


def decode_ann(ann: dict, height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of a COCO annotation's segmentation (polygons or RLE)."""
    seg = ann["segmentation"]
    if isinstance(seg, list):
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
    elif isinstance(seg.get("counts"), list):
        rle = mask_utils.frPyObjects(seg, height, width)
    else:
        counts = seg["counts"]
        rle = dict(seg, counts=counts.encode() if isinstance(counts, str) else counts)
    return mask_utils.decode(rle).astype(bool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ann", required=True, help="REFER-format instances.json")
    parser.add_argument("--size", type=int, default=128, help="keep-ratio resize target (0: none)")
    parser.add_argument("--num-points", type=int, nargs="+", default=[12, 18, 30])
    parser.add_argument("--num-bins", type=int, default=1000, help="coordinate bins (SeqTR 1000)")
    parser.add_argument("--max-anns", type=int, default=2000)
    parser.add_argument("--out", help="optional JSON file for the results")
    args = parser.parse_args()

    data = json.loads(Path(args.ann).read_text())
    images = {img["id"]: img for img in data["images"]}
    anns = data["annotations"][: args.max_anns]
    stats = {(n, off): [0.0, 0.0, []] for n in args.num_points for off in (0.0, 0.5)}
    start = time.perf_counter()
    for ann in anns:
        img = images[ann["image_id"]]
        mask = decode_ann(ann, img["height"], img["width"])
        if args.size:
            scale = args.size / max(mask.shape)
            new = (max(round(mask.shape[1] * scale), 1), max(round(mask.shape[0] * scale), 1))
            mask = cv2.resize(mask.astype(np.uint8), new, interpolation=cv2.INTER_NEAREST) > 0
        if not mask.any():
            continue
        h, w = mask.shape
        pad = (math.ceil(h / 32) * 32, math.ceil(w / 32) * 32)
        for n in args.num_points:
            pts = torch.from_numpy(mask_to_contour_points(mask, n))
            tokens = points_to_tokens(pts, pad, args.num_bins)
            decoded = tokens_to_points(tokens, pad, args.num_bins)
            for off in (0.0, 0.5):
                back = points_to_mask(decoded + off, h, w)
                inter, union = np.logical_and(back, mask).sum(), np.logical_or(back, mask).sum()
                s = stats[(n, off)]
                s[0] += inter
                s[1] += union
                s[2].append(inter / union)
    elapsed = time.perf_counter() - start
    rows = []
    print(
        f"{len(anns)} annotations, resized to {args.size or 'original'} px, "
        f"{args.num_bins} bins, {elapsed:.1f} s"
    )
    print("| N | pixel offset | mIoU | oIoU |\n|---|---|---|---|")
    for (n, off), (inter, union, ious) in stats.items():
        row = dict(
            num_points=n, offset=off, mIoU=100 * float(np.mean(ious)), oIoU=100 * inter / union
        )
        rows.append(row)
        print(f"| {n} | {off} | {row['mIoU']:.2f} | {row['oIoU']:.2f} |")
    if args.out:
        Path(args.out).write_text(
            json.dumps(dict(size=args.size, num_bins=args.num_bins, rows=rows), indent=1)
        )


if __name__ == "__main__":
    main()
