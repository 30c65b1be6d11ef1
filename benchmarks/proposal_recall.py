"""Recall of class-agnostic proposal files against the referred objects of a split.

For every image of the split that has a proposal file (``tools/generate_pseudo_labels.py``
with a proposal labeler writes ``<dir>/<image_id>.json``), each referred object's best IoU
with any of the image's proposals is computed; the report gives, per proposal folder, the
recall at IoU 0.5 (share of objects with a proposal of IoU >= 0.5), the mean best IoU, the
proposals per image, and how many images of the split had no file (skipped, counted).

Usage:
    python benchmarks/proposal_recall.py colour=data/synthref/proposals \
        standin=data/synthref/standin_proposals --split train [--data-root data/synthref]
        [--max-proposals 64] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from risseg.evaluation.proposal_recall import best_ious, recall_summary, split_objects  # noqa: E402
from risseg.utils.proposal_io import proposal_path, read_proposals  # noqa: E402


def measure(
    proposal_dir: Path,
    data_root: Path,
    split: str,
    max_proposals: int | None = None,
    split_by: str = "synth",
    img_prefix: str = "images",
) -> dict:
    """Recall summary of one proposal folder over the referred objects of ``split``.

    Returns:
        :func:`~risseg.evaluation.proposal_recall.recall_summary` plus ``skipped_images``
        (images of the split without a proposal file) and ``labeler`` (as recorded).
    """
    best, counts, skipped, labelers = [], [], 0, set()
    for objects in split_objects(data_root, split, split_by, img_prefix):
        if not proposal_path(proposal_dir, objects.image_id).is_file():
            skipped += 1
            continue
        masks, _ = read_proposals(proposal_dir, objects.image_id)
        if masks.shape[1:] != objects.masks.shape[1:]:
            raise ValueError(
                f"{proposal_path(proposal_dir, objects.image_id)}: masks {masks.shape[1:]} != "
                f"image {objects.masks.shape[1:]}"
            )
        masks = masks[:max_proposals]
        best.append(best_ious(masks, objects.masks))
        counts.append(len(masks))
        with open(proposal_path(proposal_dir, objects.image_id)) as f:
            labelers.add(json.load(f).get("labeler", "?"))
    if not counts:
        raise FileNotFoundError(f"{proposal_dir}: no proposal file for any {split} image")
    summary = recall_summary(best, counts)
    return dict(summary, skipped_images=skipped, labeler=",".join(sorted(labelers)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("proposals", nargs="+", help="NAME=DIR proposal folders")
    parser.add_argument("--split", default="val")
    parser.add_argument("--data-root", default="data/synthref")
    parser.add_argument("--split-by", default="synth")
    parser.add_argument("--img-prefix", default="images")
    parser.add_argument("--max-proposals", type=int, default=None)
    parser.add_argument("--out", help="write the results as JSON here")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    results = {}
    for item in args.proposals:
        name, sep, folder = item.partition("=")
        if not sep:
            raise SystemExit(f"proposals: expected NAME=DIR, got {item!r}")
        results[name] = measure(
            Path(folder),
            Path(args.data_root),
            args.split,
            args.max_proposals,
            args.split_by,
            args.img_prefix,
        )
    print("| proposals | split | recall@0.5 | mean best IoU | per image | images | skipped |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} ({r['labeler']}) | {args.split} | {r['recall@0.5']:.2f} | "
            f"{r['mean_best_iou']:.2f} | {r['proposals_per_image']:.1f} | {r['images']} | "
            f"{r['skipped_images']} |"
        )
    if args.out:
        Path(args.out).write_text(json.dumps(dict(split=args.split, results=results), indent=2))


if __name__ == "__main__":
    main()
