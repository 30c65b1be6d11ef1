"""mIoU / oIoU of S+S+C stage masks against the ground truth of their refs.

Usage:
    python tools/analysis/ssc_mask_quality.py CONFIG --masks FILE [--choice first|best]
        [--cfg-options pseudo_label_dataset.indices=1000]

``CONFIG`` names ``pseudo_label_dataset`` (the refs, e.g. configs/ssc/segment_synthref.py);
``FILE`` is an instance file ``{ref_id: [rle, ...]}`` (Segment) or a pseudo annotation file
``{ref_id: rle}`` (Select). Per ref the mask is the first candidate (``first``; the Select
stage's single mask) or the candidate of highest IoU (``best``: the Segment stage's upper
bound). Refs missing from the file, or without candidates, count as empty masks. Prints one
JSON line: ``mIoU``, ``oIoU`` (percent), ``refs``, ``missing``, ``empty``.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from risseg.datasets.ssc import read_instance_file
from risseg.registry import DATASETS
from risseg.utils.masks import segmentation_to_mask


def mask_quality(dataset, masks_file: str, choice: str = "first") -> dict:
    """mIoU / oIoU (percent) of each ref's chosen mask against its GT mask.

    Args:
        dataset: a REFER-format dataset (``get_data_info`` with ``ref_id``, ``segmentation``,
            ``height``, ``width``).
        masks_file: instance or pseudo annotation file.
        choice: ``first`` or ``best``.

    Returns:
        ``{'mIoU', 'oIoU', 'refs', 'missing', 'empty'}``.
    """
    if choice not in ("first", "best"):
        raise ValueError(f"choice must be 'first' or 'best', got {choice!r}.")
    cands = read_instance_file(masks_file)
    ious, inter_sum, union_sum, missing, empty, seen = [], 0, 0, 0, 0, set()
    for i in range(len(dataset)):
        e = dataset.get_data_info(i)
        if e["ref_id"] in seen:
            continue
        seen.add(e["ref_id"])
        h, w = e["height"], e["width"]
        gt = segmentation_to_mask(e["segmentation"], h, w).astype(bool)
        segs = cands.get(int(e["ref_id"]))
        missing += segs is None
        masks = [segmentation_to_mask(s, h, w).astype(bool) for s in segs or []]
        empty += not any(m.any() for m in masks)
        masks = masks or [np.zeros((h, w), bool)]
        inter = np.array([(m & gt).sum() for m in masks])
        union = np.array([(m | gt).sum() for m in masks])
        iou = inter / np.maximum(union, 1)
        k = int(iou.argmax()) if choice == "best" else 0
        ious.append(float(iou[k]))
        inter_sum += int(inter[k])
        union_sum += int(union[k])
    return dict(
        mIoU=100.0 * float(np.mean(ious)) if ious else 0.0,
        oIoU=100.0 * inter_sum / max(union_sum, 1),
        refs=len(ious),
        missing=missing,
        empty=empty,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--masks", required=True)
    parser.add_argument("--choice", default="first", choices=("first", "best"))
    parser.add_argument("--split", default=None, help="override the dataset split")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="config overrides, e.g. pseudo_label_dataset.indices=1000 (the first 1000 refs)",
    )
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope("risseg")
    import risseg.datasets  # noqa: F401

    ds_cfg = dict(cfg.pseudo_label_dataset, pipeline=[])
    if args.split:
        ds_cfg["split"] = args.split
    out = mask_quality(DATASETS.build(ds_cfg), args.masks, args.choice)
    print(json.dumps(dict(out, masks=args.masks, choice=args.choice)))


if __name__ == "__main__":
    main()
