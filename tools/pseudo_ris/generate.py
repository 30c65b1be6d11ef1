"""Pseudo-RIS pseudo-data generation, stage by stage, sharded and resumable, with progress.

Usage:
    python tools/pseudo_ris/generate.py CONFIG --work-dir DIR --stage STAGE \
        [--shard-id R --num-shards N] [--captions DIR] [--scores DIR] [--out DIR]

Stages (``all`` runs them in order; each skips the images it has already written):
    masks     ``pseudo_labeler`` over ``pseudo_label_dataset`` -> DIR/masks/<image_id>.json
    captions  ``captioner`` + ``caption_cfg`` (44 candidates per mask) -> DIR/captions/
    scores    ``scorer`` + ``text_parser`` distinctiveness -> DIR/scores/
    write     REFER-format dataset (``writer`` settings) -> DIR/refer/
Under torchrun the shard is the rank. docs/methods/pseudo_ris.md has the commands.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

STAGES = ("masks", "captions", "scores", "write")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate Pseudo-RIS pseudo pairs.")
    parser.add_argument("config")
    parser.add_argument("--work-dir", required=True, help="folder of the stages' outputs")
    parser.add_argument("--stage", choices=(*STAGES, "all"), default="all")
    parser.add_argument("--shard-id", type=int, default=int(os.environ.get("RANK", 0)))
    parser.add_argument("--num-shards", type=int, default=int(os.environ.get("WORLD_SIZE", 1)))
    parser.add_argument("--captions", help="caption folder (default WORK_DIR/captions)")
    parser.add_argument("--scores", help="score folder (default WORK_DIR/scores)")
    parser.add_argument("--out", help="REFER dataset folder (default WORK_DIR/refer)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return parser.parse_args()


def build(cfg, key: str):
    """The FOUNDATION_MODELS part ``cfg[key]``."""
    from risseg.registry import FOUNDATION_MODELS

    if key not in cfg:
        raise KeyError(f"config has no {key!r}")
    return FOUNDATION_MODELS.build(cfg[key].to_dict() if hasattr(cfg[key], "to_dict") else cfg[key])


def run(cfg, stage: str, dirs: dict[str, Path], shard: tuple[int, int], progress: bool) -> None:
    """Run one stage."""
    from risseg.apis.pseudo_labels import generate_proposals
    from risseg.pseudo_ris import CaptionCandidates, DistinctivenessScorer, write_refer
    from risseg.pseudo_ris.stages import caption_stage, run_stage, score_stage
    from risseg.registry import DATASETS, LABELERS

    kw = dict(shard_id=shard[0], num_shards=shard[1], progress=progress)
    if stage == "masks":
        dataset = DATASETS.build(cfg.pseudo_label_dataset)
        labeler = LABELERS.build(cfg.pseudo_labeler)
        generate_proposals(dataset, labeler, dirs["masks"], **kw)
    elif stage == "captions":
        candidates = CaptionCandidates(build(cfg, "captioner"), **cfg.get("caption_cfg", {}))
        work = caption_stage(candidates, seed=cfg.get("seed", 0))
        run_stage("captions", dirs["masks"], dirs["captions"], work, **kw)
    elif stage == "scores":
        scorer = DistinctivenessScorer(
            build(cfg, "scorer"), build(cfg, "text_parser"), **cfg.get("score_cfg", {})
        )
        work = score_stage(scorer, dirs["captions"])
        run_stage("scores", dirs["masks"], dirs["scores"], work, **kw)
    elif shard[0] == 0:  # write: one process merges everything
        writer = dict(cfg.writer)
        counts = write_refer(
            dirs["masks"], dirs["captions"], dirs["out"], score_dir=dirs["scores"], **writer
        )
        print(f"write: {counts} -> {dirs['out']}", flush=True)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get("default_scope", "risseg"))
    from risseg.utils import register_all_modules

    register_all_modules()
    work = Path(args.work_dir)
    dirs = dict(
        masks=work / "masks",
        captions=Path(args.captions or work / "captions"),
        scores=Path(args.scores or work / "scores"),
        out=Path(args.out or work / "refer"),
    )
    for stage in STAGES if args.stage == "all" else (args.stage,):
        run(cfg, stage, dirs, (args.shard_id, args.num_shards), not args.no_progress)


if __name__ == "__main__":
    main()
