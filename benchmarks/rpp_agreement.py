"""RPP fidelity: risseg's pseudo-point selection against the Partial-RES release's decisions.

Three sub-commands:

- ``generate``: a seeded synthetic set of train predictions in the ``DumpPredictions`` format
  (several sentences per ref; single blobs, blobs with a hole, two blobs, shifted / grown /
  shrunk / misplaced / empty / one-pixel predictions; COCO xywh boxes with 2 decimals, also
  stored as xyxy like ``DumpPredictions``).
- ``compare``: risseg's decisions (``RPPLabeler`` and ``tools/choose_pseudo.py``) against a
  decisions file made by running the release's ``choose_pseudo_data.py`` on every record of
  the synthetic set, one record at a time. That file is a JSON list, one entry per record in
  order: ``{"keep": bool, "mask_rle": RLE or null, "score": float}`` (the polygons the release
  writes, rasterised, and its projection score). Per-prediction agreement compares every
  record; per-ref agreement compares the kept refs when both sides score the same seeded
  random sentence of each ref.
- ``synthref``: the kept count and the pseudo-mask IoU with the (hidden) GT masks of RPP on
  real train predictions, for the release's rule and risseg's options.

    python benchmarks/rpp_agreement.py generate --out work_dirs/rpp/synthetic.json
    python benchmarks/rpp_agreement.py compare --synthetic work_dirs/rpp/synthetic.json \\
        --release work_dirs/rpp/release.json [--sentence best] [--keep-multi-polygon]
    python benchmarks/rpp_agreement.py synthref --pred work_dirs/x/train_preds.json \\
        --ann data/synthref/instances.json --labeled data/synthref/supervision_1pct.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from choose_pseudo import choose, draw_sentences, load_labeled, score_records  # noqa: E402

from risseg.labelers.rpp import RPPLabeler  # noqa: E402
from risseg.utils.masks import mask_to_rle, rle_to_mask, segmentation_to_mask  # noqa: E402

KINDS = ("exact", "shift", "grow", "shrink", "hole", "two_blobs", "misplaced", "empty", "pixel")
KIND_P = (0.2, 0.25, 0.12, 0.12, 0.08, 0.1, 0.07, 0.03, 0.03)


def _blob(rng: np.random.Generator, h: int, w: int, cx: float, cy: float, r: float) -> np.ndarray:
    """A filled ellipse, rectangle or random convex polygon of radius about ``r``."""
    mask = np.zeros((h, w), np.uint8)
    shape = rng.integers(3)
    rx, ry = r * rng.uniform(0.6, 1.4), r * rng.uniform(0.6, 1.4)
    if shape == 0:
        cv2.ellipse(
            mask,
            (int(cx), int(cy)),
            (max(int(rx), 1), max(int(ry), 1)),
            float(rng.uniform(0, 180)),
            0,
            360,
            1,
            -1,
        )
    elif shape == 1:
        cv2.rectangle(mask, (int(cx - rx), int(cy - ry)), (int(cx + rx), int(cy + ry)), 1, -1)
    else:
        ang = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 8)))
        pts = np.stack([cx + rx * np.cos(ang), cy + ry * np.sin(ang)], 1).round().astype(np.int32)
        cv2.fillPoly(mask, [pts], 1)
    return mask.astype(bool)


def _predict(rng: np.random.Generator, gt: np.ndarray, kind: str) -> np.ndarray:
    """A predicted mask of the given kind derived from the GT object mask (H, W)."""
    h, w = gt.shape
    pred = gt.astype(np.uint8)
    if kind in ("shift", "misplaced"):
        lim = 3 if kind == "shift" else max(h, w) // 3
        dx, dy = rng.integers(-lim, lim + 1, 2)
        pred = np.roll(np.roll(pred, int(dy), 0), int(dx), 1)
    elif kind in ("grow", "shrink"):
        k = np.ones((int(rng.integers(1, 3)) * 2 + 1,) * 2, np.uint8)
        pred = cv2.dilate(pred, k) if kind == "grow" else cv2.erode(pred, k)
    elif kind == "hole":
        ys, xs = np.nonzero(pred)
        if len(xs):
            cv2.circle(pred, (int(xs.mean()), int(ys.mean())), int(rng.integers(1, 4)), 0, -1)
    elif kind == "two_blobs":
        extra = _blob(rng, h, w, rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1.5, 5))
        pred = pred | extra.astype(np.uint8)
    elif kind == "empty":
        pred[:] = 0
    elif kind == "pixel":
        pred[:] = 0
        pred[rng.integers(h), rng.integers(w)] = 1
    return pred.astype(bool)


def generate(num_refs: int, seed: int) -> list[dict]:
    """The synthetic prediction records (2-4 sentences per ref, all box-supervised)."""
    rng = np.random.default_rng(seed)
    records = []
    for ref_id in range(num_refs):
        h, w = (int(v) for v in rng.integers(40, 129, 2))
        r = rng.uniform(3, min(h, w) / 4)
        gt = _blob(rng, h, w, rng.uniform(r, w - r), rng.uniform(r, h - r), r)
        ys, xs = np.nonzero(gt)
        if len(xs) == 0:
            continue
        # a COCO-like float box around the object's pixel extent
        x = max(xs.min() + rng.uniform(-0.99, 0.99), 0.0)
        y = max(ys.min() + rng.uniform(-0.99, 0.99), 0.0)
        bw = xs.max() + 1 - x + rng.uniform(-0.99, 0.99)
        bh = ys.max() + 1 - y + rng.uniform(-0.99, 0.99)
        xywh = [round(float(v), 2) for v in (x, y, bw, bh)]
        xyxy = [xywh[0], xywh[1], round(xywh[0] + xywh[2], 2), round(xywh[1] + xywh[3], 2)]
        for sent in range(int(rng.integers(2, 5))):
            kind = KINDS[rng.choice(len(KINDS), p=KIND_P)]
            pred = _predict(rng, gt, kind)
            records.append(
                dict(
                    ref_id=ref_id,
                    sent_id=ref_id * 10 + sent,
                    image_id=ref_id,
                    ann_id=ref_id,
                    supervision="box",
                    height=h,
                    width=w,
                    pred_rle=mask_to_rle(pred),
                    gt_bbox=xyxy,
                    gt_bbox_xywh=xywh,
                    gt_rle=mask_to_rle(gt),
                    kind=kind,
                )
            )
    return records


def compare(
    records: list[dict], release: list[dict], sentence: str, seed: int, keep_multi_polygon: bool
) -> dict:
    """Agreement of risseg's rule with the release's decisions (fractions in [0, 1])."""
    if len(release) != len(records):
        raise ValueError(f"release decisions: {len(release)} entries for {len(records)} records")
    # every record is a candidate here (the release's run had no labeled subset)
    samples = score_records(records, RPPLabeler(keep_multi_polygon=keep_multi_polygon), set())
    ours = np.array([s.pseudo_keep for s in samples])
    theirs = np.array([bool(d["keep"]) for d in release])
    same_mask = [
        np.array_equal(s.pseudo_mask.data[0].numpy(), rle_to_mask(d["mask_rle"]))
        for s, d in zip(samples, release, strict=True)
        if s.pseudo_keep and d["keep"]
    ]
    # the release's score is comparable where it rasterised one polygon
    diffs = [
        abs(s.rpp_loss - float(d["score"]))
        for s, d in zip(samples, release, strict=True)
        if s.num_polygons == 1 and d.get("score") is not None and np.isfinite(d["score"])
    ]
    pseudo, _ = choose(
        records, set(), sentence=sentence, seed=seed, keep_multi_polygon=keep_multi_polygon
    )
    drawn = draw_sentences(records, seed)
    ref_theirs = {int(records[i]["ref_id"]): bool(theirs[i]) for i in drawn}
    ref_agree = [(ref in pseudo) == keep for ref, keep in ref_theirs.items()]
    by_kind = {}
    for kind in KINDS:
        sel = np.array([r.get("kind") == kind for r in records])
        if sel.any():
            by_kind[kind] = dict(
                n=int(sel.sum()),
                kept_risseg=int(ours[sel].sum()),
                kept_release=int(theirs[sel].sum()),
                agreement=float((ours[sel] == theirs[sel]).mean()),
            )
    return dict(
        sentence=sentence,
        keep_multi_polygon=keep_multi_polygon,
        num_records=len(records),
        prediction_agreement=float((ours == theirs).mean()),
        kept_risseg=int(ours.sum()),
        kept_release=int(theirs.sum()),
        same_pseudo_mask=f"{sum(same_mask)}/{len(same_mask)}",
        max_score_diff=float(max(diffs, default=0.0)),
        num_scores_compared=len(diffs),
        num_refs=len(ref_theirs),
        ref_agreement=float(np.mean(ref_agree)),
        refs_kept_risseg=len(pseudo),
        refs_kept_release=int(sum(ref_theirs.values())),
        by_kind=by_kind,
    )


def synthref(pred: str, ann: str, labeled: str | None, seed: int, oracle: bool = False) -> dict:
    """Kept count and pseudo-mask mIoU with the GT of the release's rule and risseg's options.

    With ``oracle`` every prediction is replaced by its GT mask (what the rule does to perfect
    predictions).
    """
    records = json.loads(Path(pred).read_text())
    anns = json.loads(Path(ann).read_text())
    by_ann = {a["id"]: a for a in anns["annotations"]}
    sizes = {im["id"]: (im["height"], im["width"]) for im in anns["images"]}
    gt_of_ref = {}
    for rec in records:
        a = by_ann[int(rec["ann_id"])]
        gt_of_ref[int(rec["ref_id"])] = segmentation_to_mask(
            a["segmentation"], *sizes[a["image_id"]]
        )
    if oracle:
        records = [
            dict(r, pred_rle=mask_to_rle(gt_of_ref[int(r["ref_id"])]), iou=1.0) for r in records
        ]
    lab = load_labeled(labeled) if labeled else None
    out = {}
    for sentence, multi in (("random", False), ("best", False), ("random", True), ("best", True)):
        pseudo, stats = choose(records, lab, sentence=sentence, seed=seed, keep_multi_polygon=multi)
        ious = []
        for ref_id, rle in pseudo.items():
            p, g = rle_to_mask(rle), gt_of_ref[ref_id]
            ious.append((p & g).sum() / max((p | g).sum(), 1))
        name = f"sentence={sentence}" + (", keep_multi_polygon" if multi else "")
        out[name] = dict(
            num_kept=len(pseudo),
            pseudo_mask_miou=float(np.mean(ious or [0.0])),
            kept_prediction_iou=stats.get("kept_mean_iou"),
            num_candidates=stats["num_candidates"],
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="RPP agreement with the Partial-RES release")
    sub = parser.add_subparsers(dest="cmd", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--out", required=True)
    gen.add_argument("--refs", type=int, default=600)
    gen.add_argument("--seed", type=int, default=0)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("--synthetic", required=True)
    cmp_.add_argument("--release", required=True, help="the release's decisions (JSON list)")
    cmp_.add_argument("--sentence", choices=("random", "best"), default="random")
    cmp_.add_argument("--keep-multi-polygon", action="store_true")
    cmp_.add_argument("--seed", type=int, default=0, help="seed of the random sentence")
    syn = sub.add_parser("synthref")
    syn.add_argument("--pred", required=True, help="DumpPredictions JSON of the train split")
    syn.add_argument("--ann", default="data/synthref/instances.json")
    syn.add_argument("--labeled", help="supervision file of the mask ratio")
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--oracle", action="store_true", help="score the GT masks instead")
    args = parser.parse_args()
    if args.cmd == "generate":
        records = generate(args.refs, args.seed)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(records))
        print(
            f"wrote {len(records)} records of {len({r['ref_id'] for r in records})} refs "
            f"to {args.out}"
        )
    elif args.cmd == "compare":
        for path in (args.synthetic, args.release):
            if not Path(path).is_file():
                raise SystemExit(f"file not found: {path}")
        res = compare(
            json.loads(Path(args.synthetic).read_text()),
            json.loads(Path(args.release).read_text()),
            args.sentence,
            args.seed,
            args.keep_multi_polygon,
        )
        print(json.dumps(res, indent=1))
    else:
        print(
            json.dumps(
                synthref(args.pred, args.ann, args.labeled, args.seed, args.oracle), indent=1
            )
        )


if __name__ == "__main__":
    main()
