"""Generate pseudo labels for a dataset, sharded and resumable, with a progress bar.

Usage:
    python tools/generate_pseudo_labels.py CONFIG --out OUT [--shard-id R --num-shards N]
    torchrun --nproc_per_node 4 tools/generate_pseudo_labels.py CONFIG --out OUT

The config names ``pseudo_label_dataset`` (a dataset whose pipeline loads images at original
resolution and packs them) and ``pseudo_labeler`` (a LABELERS config). What is written depends
on the labeler (``risseg.apis.generate_pseudo_labels``):

- proposal labelers (``BaseProposalLabeler``): ``OUT`` is a folder with one file per image;
  files that exist are skipped;
- mask labelers (``BasePseudoLabeler``): ``OUT`` is a pseudo annotation JSON ``{ref_id: COCO
  RLE}`` of the masks the labeler keeps, the file ``ReferDataset(pseudo_ann_file=...)`` reads
  (refs without GT masks then train on them); each shard keeps its progress in
  ``OUT.parts/``, and refs already labelled there are skipped;
- instance labelers (``output = 'pseudo_instances'``, e.g. ``TextPromptedMaskLabeler``, S+S+C's
  Segment): ``OUT`` is an instance JSON ``{ref_id: [COCO RLE, ...]}`` with every candidate
  instance of each ref (``risseg.apis.instance_masks``), resumable the same way.

Under torchrun the shard is the rank, so re-running resumes an interrupted job.
"""

from __future__ import annotations

import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from risseg.apis.pseudo_labels import generate_pseudo_labels
from risseg.registry import DATASETS, LABELERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate pseudo labels for a dataset.")
    parser.add_argument("config")
    parser.add_argument(
        "--out",
        required=True,
        help="output folder (proposals: one file per image), pseudo annotation JSON (pseudo "
        "masks) or instance JSON (instance labelers)",
    )
    parser.add_argument("--shard-id", type=int, default=int(os.environ.get("RANK", 0)))
    parser.add_argument("--num-shards", type=int, default=int(os.environ.get("WORLD_SIZE", 1)))
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get("default_scope", "risseg"))
    if "custom_imports" in cfg:
        from mmengine.utils import import_modules_from_strings

        import_modules_from_strings(**cfg.custom_imports)
    import risseg.datasets  # noqa: F401  (registers datasets and transforms)
    import risseg.foundation  # noqa: F401  (the foundation parts labelers are built from)
    import risseg.labelers  # noqa: F401

    dataset = DATASETS.build(cfg.pseudo_label_dataset)
    labeler = LABELERS.build(cfg.pseudo_labeler)
    generate_pseudo_labels(dataset, labeler, args.out, args.shard_id, args.num_shards)


if __name__ == "__main__":
    main()
