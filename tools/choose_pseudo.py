"""Partial-RES RPP: choose pseudo masks from predictions on the train split.

Reads the predictions written by ``DumpPredictions`` (``tools/test.py`` on the train split),
scores each one against its GT box with ``RPPLabeler`` (projection Dice loss < 0.1), keeps per
ref the best-scoring sentence, never keeps refs that already have GT masks, and writes a pseudo
annotation file ``{ref_id: COCO RLE}`` that the REFER/SynthRef datasets load with
``pseudo_ann_file=`` (those refs then train as mask-supervised). See docs/methods/partial_res.md.

    python tools/choose_pseudo.py --pred work_dirs/x/train_preds.json --ratio 1 \
        --out data/synthref/pseudo_rpp_1pct.json
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch
from mmengine.structures import PixelData

from risseg.evaluation.metrics.ref_box_metric import box_iou
from risseg.labelers.rpp import RPPLabeler
from risseg.structures import RISDataSample
from risseg.utils.masks import mask_to_bbox, rle_to_mask


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Choose RPP pseudo masks (Partial-RES)")
    parser.add_argument("--pred", required=True, help="DumpPredictions JSON of the train split")
    parser.add_argument("--out", help="output pseudo annotation JSON")
    parser.add_argument("--ratio", type=int, help="mask ratio in percent (names the default --out)")
    parser.add_argument("--labeled", help="ref ids that have GT masks: a supervision file "
                        "({'mask': [...], ...}) or a JSON list (default: records whose "
                        "supervision is 'mask')")
    parser.add_argument("--thr", type=float, default=0.1, help="projection-loss threshold")
    return parser.parse_args()


def load_records(path: str) -> list[dict]:
    """The prediction records; a clear error for a missing or malformed file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"prediction file not found: {path}")
    with open(path) as f:
        records = json.load(f)
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a JSON list of DumpPredictions records")
    for i, rec in enumerate(records):
        missing = {"ref_id", "pred_rle", "gt_bbox"} - set(rec)
        if missing:
            raise ValueError(f"{path}: record {i} lacks {sorted(missing)}")
    return records


def load_labeled(path: str) -> set[int]:
    """Labeled ref ids from a supervision file (its 'mask' list) or a JSON list."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"labeled-refs file not found: {path}")
    with open(path) as f:
        spec = json.load(f)
    ids = spec.get("mask") if isinstance(spec, dict) else spec
    if not isinstance(ids, list):
        raise ValueError(f"{path}: expected a list of ref ids or a dict with a 'mask' list")
    return {int(r) for r in ids}


def choose(
    records: list[dict], labeled: set[int] | None = None, thr: float = 0.1
) -> tuple[dict, dict]:
    """Select pseudo masks.

    Args:
        records: DumpPredictions records.
        labeled: ref ids with GT masks (default: records with supervision 'mask').
        thr: projection-loss threshold.

    Returns:
        ``{ref_id: rle}`` of kept refs and a statistics dict.
    """
    labeler = RPPLabeler(score_thr=thr, skip_labeled=True)
    best: dict[int, tuple[float, dict, dict]] = {}
    box_hits = []  # candidates: does the predicted mask's bounding box fit the GT box?
    hit_iou = []  # mask IoU with the GT of the candidates whose box fits (contour quality)
    for rec in records:
        sample = RISDataSample(metainfo=dict(supervision=rec.get("supervision")))
        ref_id = int(rec["ref_id"])
        if labeled is not None:
            sample.set_metainfo(dict(supervision="mask" if ref_id in labeled else "box"))
        mask = rle_to_mask(rec["pred_rle"])
        if sample.metainfo.get("supervision") != "mask":
            hit = box_iou(mask_to_bbox(mask), rec["gt_bbox"]) >= 0.5
            box_hits.append(hit)
            if hit and "iou" in rec:
                hit_iou.append(rec["iou"])
        sample.pred_mask = PixelData(data=torch.from_numpy(mask)[None])
        sample.gt_bbox = torch.tensor(rec["gt_bbox"], dtype=torch.float32)
        labeler(None, [sample])
        if not sample.pseudo_keep:
            continue
        if ref_id not in best or sample.rpp_loss < best[ref_id][0]:
            best[ref_id] = (sample.rpp_loss, rec["pred_rle"], rec)
    refs = {int(r["ref_id"]) for r in records}
    if labeled is None:
        labeled = {int(r["ref_id"]) for r in records if r.get("supervision") == "mask"}
    stats = dict(
        num_records=len(records), num_refs=len(refs), num_labeled=len(refs & labeled),
        num_candidates=len(refs - labeled), num_kept=len(best),
    )
    kept_iou = [b[2]["iou"] for b in best.values() if "iou" in b[2]]
    all_iou = [r["iou"] for r in records if "iou" in r and int(r["ref_id"]) not in labeled]
    if kept_iou:
        stats["kept_mean_iou"] = float(np.mean(kept_iou))
    if all_iou:
        stats["candidate_mean_iou"] = float(np.mean(all_iou))
    if box_hits:  # how often the model put its mask on the right object (REC Acc@0.5)
        stats["candidate_box_acc50"] = float(np.mean(box_hits))
    if hit_iou:
        stats["box_hit_mean_iou"] = float(np.mean(hit_iou))
    return {ref_id: b[1] for ref_id, b in sorted(best.items())}, stats


def main() -> None:
    args = parse_args()
    out = args.out
    if out is None:
        if args.ratio is None:
            raise SystemExit("give --out or --ratio")
        out = str(Path(args.pred).with_name(f"pseudo_rpp_{args.ratio}pct.json"))
    labeled = None
    if args.labeled:
        labeled = load_labeled(args.labeled)
    pseudo, stats = choose(load_records(args.pred), labeled, args.thr)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({str(k): v for k, v in pseudo.items()}, f)
    os.replace(tmp, out)
    print(json.dumps(stats))
    print(f"wrote {len(pseudo)} pseudo masks to {out}")


if __name__ == "__main__":
    main()
