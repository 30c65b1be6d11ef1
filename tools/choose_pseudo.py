"""Partial-RES RPP: choose pseudo masks from predictions on the train split.

Reads the predictions written by ``DumpPredictions`` (``tools/test.py`` on the train split),
scores them against their GT boxes with ``RPPLabeler`` (the release's rule: polygons
re-rasterised, sum of the two projection Dice losses < 0.1, one polygon only), never keeps refs
that already have GT masks, and writes a pseudo annotation file ``{ref_id: COCO RLE}`` that the
REFER/SynthRef datasets load with ``pseudo_ann_file=`` (those refs then train as
mask-supervised). Like the release, one sentence per ref is scored, drawn at random (seeded,
``--seed``); ``--sentence best`` keeps the best-scoring sentence instead and
``--keep-multi-polygon`` scores predictions of several polygons on their union (risseg
options). See docs/methods/partial_res.md.

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
from risseg.utils.masks import mask_to_bbox, mask_to_rle, rle_to_mask

SENTENCE_MODES = ("random", "best")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Choose RPP pseudo masks (Partial-RES)")
    parser.add_argument("--pred", required=True, help="DumpPredictions JSON of the train split")
    parser.add_argument("--out", help="output pseudo annotation JSON")
    parser.add_argument("--ratio", type=int, help="mask ratio in percent (names the default --out)")
    parser.add_argument("--labeled", help="ref ids that have GT masks: a supervision file "
                        "({'mask': [...], ...}) or a JSON list (default: records whose "
                        "supervision is 'mask')")
    parser.add_argument("--thr", type=float, default=0.1, help="projection-loss threshold")
    parser.add_argument("--sentence", choices=SENTENCE_MODES, default="random",
                        help="which sentence of a ref is scored: one drawn at random (the "
                        "release) or the best-scoring one")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sentence random")
    parser.add_argument("--keep-multi-polygon", action="store_true",
                        help="score predictions of several polygons on their union instead "
                        "of dropping them")
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


def draw_sentences(records: list[dict], seed: int = 0) -> set[int]:
    """One record per ref drawn at random: the sentence the release's train loader would draw.

    Args:
        records: DumpPredictions records (every sentence of every ref).
        seed: seed of the draw; refs are visited in ascending id, their records in ascending
            ``sent_id``, so the draw does not depend on the file's order.

    Returns:
        Indices into ``records`` of the drawn records.
    """
    by_ref: dict[int, list[int]] = {}
    for i, rec in enumerate(records):
        by_ref.setdefault(int(rec["ref_id"]), []).append(i)
    rng = np.random.default_rng(seed)
    drawn = set()
    for ref_id in sorted(by_ref):
        idx = sorted(by_ref[ref_id], key=lambda i: (int(records[i].get("sent_id") or 0), i))
        drawn.add(idx[int(rng.integers(len(idx)))])
    return drawn


def score_records(
    records: list[dict], labeler: RPPLabeler, labeled: set[int] | None = None
) -> list[RISDataSample]:
    """Run ``labeler`` on every record; returns the labelled samples in record order.

    Args:
        records: DumpPredictions records.
        labeler: the RPP labeler.
        labeled: ref ids with GT masks (default: records with supervision 'mask').
    """
    samples = []
    for rec in records:
        sup = rec.get("supervision")
        if labeled is not None:
            sup = "mask" if int(rec["ref_id"]) in labeled else "box"
        sample = RISDataSample(metainfo=dict(supervision=sup, ref_id=int(rec["ref_id"])))
        sample.pred_mask = PixelData(data=torch.from_numpy(rle_to_mask(rec["pred_rle"]))[None])
        sample.gt_bbox = torch.tensor(rec["gt_bbox"], dtype=torch.float64)
        samples.append(labeler(None, [sample])[0])
    return samples


def _candidate_stats(records: list[dict], samples: list[RISDataSample], labeled: set[int]) -> dict:
    """Box fit (REC Acc@0.5) and prediction IoU of the records of refs without GT masks."""
    stats: dict[str, float] = {}
    cand = [(r, s) for r, s in zip(records, samples, strict=True)
            if int(r["ref_id"]) not in labeled]
    hits = [box_iou(mask_to_bbox(rle_to_mask(r["pred_rle"])), r["gt_bbox"]) >= 0.5
            for r, _ in cand]
    all_iou = [r["iou"] for r, _ in cand if "iou" in r]
    hit_iou = [r["iou"] for (r, _), h in zip(cand, hits, strict=True) if h and "iou" in r]
    stats["num_multi_polygon"] = sum(s.num_polygons > 1 for _, s in cand)
    if all_iou:
        stats["candidate_mean_iou"] = float(np.mean(all_iou))
    if hits:  # how often the model put its mask on the right object (REC Acc@0.5)
        stats["candidate_box_acc50"] = float(np.mean(hits))
    if hit_iou:
        stats["box_hit_mean_iou"] = float(np.mean(hit_iou))
    return stats


def choose(
    records: list[dict], labeled: set[int] | None = None, thr: float = 0.1,
    sentence: str = "random", seed: int = 0, keep_multi_polygon: bool = False,
) -> tuple[dict, dict]:
    """Select pseudo masks.

    Args:
        records: DumpPredictions records.
        labeled: ref ids with GT masks (default: records with supervision 'mask').
        thr: projection-loss threshold.
        sentence: 'random' (score one seeded random sentence per ref, the release) or 'best'
            (keep the best-scoring sentence that passes).
        seed: seed of the random sentence.
        keep_multi_polygon: score multi-polygon predictions on their union (``RPPLabeler``).

    Returns:
        ``{ref_id: rle}`` of the kept refs' pseudo masks (the re-rasterised polygons) and a
        statistics dict.
    """
    if sentence not in SENTENCE_MODES:
        raise ValueError(f"sentence must be one of {SENTENCE_MODES}, got {sentence!r}")
    labeler = RPPLabeler(score_thr=thr, skip_labeled=True, keep_multi_polygon=keep_multi_polygon)
    samples = score_records(records, labeler, labeled)
    if labeled is None:
        labeled = {int(r["ref_id"]) for r in records if r.get("supervision") == "mask"}
    scored = draw_sentences(records, seed) if sentence == "random" else range(len(records))
    best: dict[int, tuple[float, int]] = {}
    for i in sorted(scored):
        s = samples[i]
        ref_id = int(records[i]["ref_id"])
        if s.pseudo_keep and (ref_id not in best or s.rpp_loss < best[ref_id][0]):
            best[ref_id] = (s.rpp_loss, i)
    refs = {int(r["ref_id"]) for r in records}
    stats = dict(
        num_records=len(records), num_refs=len(refs), num_labeled=len(refs & labeled),
        num_candidates=len(refs - labeled), num_scored=len(scored), num_kept=len(best),
        **_candidate_stats(records, samples, labeled),
    )
    kept_iou = [records[i]["iou"] for _, i in best.values() if "iou" in records[i]]
    if kept_iou:  # IoU of the kept predictions (before re-rasterisation) with the GT
        stats["kept_mean_iou"] = float(np.mean(kept_iou))
    pseudo = {ref_id: mask_to_rle(samples[i].pseudo_mask.data[0].numpy())
              for ref_id, (_, i) in sorted(best.items())}
    return pseudo, stats


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
    pseudo, stats = choose(load_records(args.pred), labeled, args.thr, args.sentence,
                           args.seed, args.keep_multi_polygon)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({str(k): v for k, v in pseudo.items()}, f)
    os.replace(tmp, out)
    print(json.dumps(stats))
    print(f"wrote {len(pseudo)} pseudo masks to {out}")


if __name__ == "__main__":
    main()
