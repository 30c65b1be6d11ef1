"""Write deterministic label-efficient subsets for a REFER dataset's train split.

For each ratio it writes ``supervision_<p>pct.json`` (train refs keeping masks; the others keep
boxes) and ``semi_<p>pct.json`` (image-level labeled/unlabeled split) into the annotation
folder, to be passed as ``ReferDataset(supervision_file=...)``.

Example:
    python tools/data/make_supervision_subsets.py --data-root data --dataset refcoco \\
        --split-by unc --ratios 0.01 0.05 0.1 --seed 0
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp

from risseg.datasets.refer import load_refs
from risseg.datasets.supervision_subsets import make_mask_subset, make_semi_split


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--dataset", default="refcoco", help="sub-folder ('' for none)")
    parser.add_argument("--split-by", default="unc")
    parser.add_argument("--ratios", type=float, nargs="+", default=[0.01, 0.05, 0.1])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=None, help="default: the annotation folder")
    return parser.parse_args()


def _write(path: str, obj: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def main() -> None:
    args = parse_args()
    ann_dir = osp.join(args.data_root, args.dataset) if args.dataset else args.data_root
    refs_path = osp.join(ann_dir, f"refs({args.split_by}).json")
    if not osp.isfile(refs_path):
        refs_path = refs_path[:-5] + ".p"
    train = {
        int(r["ref_id"]): int(r["image_id"]) for r in load_refs(refs_path) if r["split"] == "train"
    }
    if not train:
        raise SystemExit(f"{refs_path}: no train refs.")
    out_dir = args.out_dir or ann_dir
    for ratio in args.ratios:
        pct = f"{ratio * 100:g}"
        mask = make_mask_subset(list(train), ratio, args.seed)
        semi = make_semi_split(train, ratio, args.seed)
        _write(osp.join(out_dir, f"supervision_{pct}pct.json"), mask)
        _write(osp.join(out_dir, f"semi_{pct}pct.json"), semi)
        print(
            f"{pct}%: {len(mask['mask'])}/{len(train)} refs keep masks; "
            f"{len(semi['labeled_image_ids'])} labeled images "
            f"({len(semi['mask'])} refs) -> {out_dir}"
        )


if __name__ == "__main__":
    main()
