"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out results.pkl]``."""
from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading, CPU DDP wrapper)
from risseg.engine import setup_launcher


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Test a referring segmentor")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--work-dir", help="directory for the evaluation logs and metrics")
    parser.add_argument("--out", help="dump the per-sample predictions to this .pkl file")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction,
        help="override config entries, e.g. test_dataloader.batch_size=8",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


def main() -> dict:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    setup_launcher(cfg, args.launcher)
    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.out is not None:
        if not args.out.endswith((".pkl", ".pickle")):
            raise ValueError(f"--out must be a .pkl file, got {args.out}")
        dump = dict(type="DumpResults", out_file_path=args.out)
        evaluator = cfg.test_evaluator
        evaluators = list(evaluator) if isinstance(evaluator, list) else [evaluator]
        cfg.test_evaluator = evaluators + [dump]
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    runner.logger.info(f"Test metrics: {metrics}")
    if runner.rank == 0:
        print(metrics)
    return metrics


if __name__ == "__main__":
    main()
