"""Write ``supervision_text_only.json``: every train ref of a REFER dataset without its mask.

``ReferDataset(supervision_file='supervision_text_only.json', pseudo_ann_file=...,
keep_supervision=['mask'])`` then trains on pseudo masks alone (TRIS stage 2: no GT mask, no
box); refs without a pseudo mask are left out.

Example:
    python tools/data/make_text_only_supervision.py --data-root data --dataset refcoco
    python tools/data/make_text_only_supervision.py --data-root data/synthref --dataset "" \\
        --split-by synth
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp

from risseg.datasets.refer import load_refs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--dataset", default="refcoco", help="sub-folder ('' for none)")
    parser.add_argument("--split-by", default="unc")
    parser.add_argument(
        "--out", default=None, help="default: <annotation folder>/supervision_text_only.json"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    ann_dir = osp.join(args.data_root, args.dataset) if args.dataset else args.data_root
    refs_path = osp.join(ann_dir, f"refs({args.split_by}).json")
    if not osp.isfile(refs_path):
        refs_path = refs_path[:-5] + ".p"
    if not osp.isfile(refs_path):
        raise SystemExit(f"No refs file {refs_path}")
    train = sorted(int(r["ref_id"]) for r in load_refs(refs_path) if r["split"] == "train")
    if not train:
        raise SystemExit(f"{refs_path}: no train refs.")
    out = args.out or osp.join(ann_dir, "supervision_text_only.json")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(dict(none=train, default="none"), f)
    os.replace(tmp, out)
    print(f"{len(train)} train refs without masks -> {out}")


if __name__ == "__main__":
    main()
