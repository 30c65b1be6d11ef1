"""mIoU and oIoU of the sentences that use one of some words, and of the others.

    python tools/test.py CONFIG CHECKPOINT --out preds.json
    python tools/analysis/metrics_by_words.py preds.json [other.json ...] [--words red blue ...]

Splits each prediction file's sentences into those holding at least one of ``--words`` (whole
words, any case; default: SynthRef's colour words) and the others, and prints, per file and
group, the number of sentences, mIoU (mean of the per-sentence IoUs the file stores, so the
evaluation's own protocol) and oIoU (summed intersection / summed union of the stored masks,
i.e. at the resolution tools/test.py evaluated at), x100. Where a model's errors come from
a kind of word (a colour, a side), the two groups show it.
"""

from __future__ import annotations

import argparse
import json
import re

import numpy as np

from risseg.datasets.synthref.expressions import COLOUR_WORDS
from risseg.evaluation import load_predictions
from risseg.utils.masks import rle_to_mask

SYNTHREF_COLOURS = sorted({w for words in COLOUR_WORDS.values() for w in words})


def split_metrics(records: list[dict], words: set[str]) -> dict[str, dict]:
    """Per group ('with' / 'without' one of ``words``): sentences, mIoU and oIoU (x100).

    Args:
        records: :class:`DumpPredictions` records with ``text``, ``iou`` (the per-sentence IoU
            of the evaluation that wrote them), ``pred_rle`` and ``gt_rle``.
        words: lower-case words.

    Returns:
        ``{'with': {...}, 'without': {...}}``, each ``{'sentences', 'mIoU', 'oIoU'}``; the
        metrics are None for an empty group.
    """
    stats = {"with": [], "without": []}
    for rec in records:
        tokens = set(re.findall(r"[a-z]+", rec["text"].lower()))
        pred, gt = rle_to_mask(rec["pred_rle"]), rle_to_mask(rec["gt_rle"])
        inter, union = int((pred & gt).sum()), int((pred | gt).sum())
        stats["with" if tokens & words else "without"].append((rec["iou"], inter, union))
    out = {}
    for group, rows in stats.items():
        if not rows:
            out[group] = dict(sentences=0, mIoU=None, oIoU=None)
            continue
        ious, inter, union = np.array(rows, dtype=float).T
        out[group] = dict(
            sentences=len(rows),
            mIoU=100 * float(ious.mean()),
            oIoU=100 * float(inter.sum() / max(union.sum(), 1.0)),
        )
    return out


def main() -> dict[str, dict]:
    parser = argparse.ArgumentParser(description="mIoU / oIoU with and without some words")
    parser.add_argument("preds", nargs="+", help=".json files of tools/test.py --out")
    parser.add_argument(
        "--words",
        nargs="+",
        default=SYNTHREF_COLOURS,
        help="words that put a sentence in the 'with' group (default: SynthRef's colour words)",
    )
    parser.add_argument("--out", help="also write the figures as JSON")
    args = parser.parse_args()
    words = {w.lower() for w in args.words}
    results = {}
    print("| file | group | sentences | mIoU | oIoU |\n|---|---|---|---|---|")
    for path in args.preds:
        records = load_predictions(path, required=("text", "iou", "pred_rle", "gt_rle"))
        results[path] = split_metrics(records, words)
        for group, m in results[path].items():
            figures = ("-", "-") if m["mIoU"] is None else (f"{m['mIoU']:.2f}", f"{m['oIoU']:.2f}")
            print(f"| {path} | {group} | {m['sentences']} | {figures[0]} | {figures[1]} |")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(dict(words=sorted(words), results=results), f, indent=1)
    return results


if __name__ == "__main__":
    main()
