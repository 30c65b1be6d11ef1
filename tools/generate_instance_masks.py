"""Every candidate instance mask of every ref (S+S+C "Segment"), sharded and resumable.

Usage:
    python tools/generate_instance_masks.py CONFIG --out OUT.json [--shard-id R --num-shards N]
    torchrun --nproc_per_node 4 tools/generate_instance_masks.py CONFIG --out OUT.json

The config names ``pseudo_label_dataset`` (images at original resolution, packed with the
metainfo the labeler reads) and ``pseudo_labeler`` (a labeler that sets ``pseudo_instances``,
e.g. ``TextPromptedMaskLabeler``). ``OUT`` is ``{ref_id: [COCO RLE, ...]}``
(``risseg.apis.instance_masks``); progress is kept in ``OUT.parts/`` and re-running resumes.
"""

from __future__ import annotations

import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from risseg.apis.instance_masks import generate_instance_masks
from risseg.registry import DATASETS, LABELERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate instance masks for every ref.")
    parser.add_argument("config")
    parser.add_argument("--out", required=True, help="instance JSON {ref_id: [rle, ...]}")
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
    import risseg.foundation  # noqa: F401
    import risseg.labelers  # noqa: F401

    dataset = DATASETS.build(cfg.pseudo_label_dataset)
    labeler = LABELERS.build(cfg.pseudo_labeler)
    generate_instance_masks(dataset, labeler, args.out, args.shard_id, args.num_shards)


if __name__ == "__main__":
    main()
