"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out results.pkl]``."""
from __future__ import annotations

import argparse

from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading, CPU DDP wrapper)
from risseg.engine.run_config import add_run_args, load_run_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Test a referring segmentor")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--out", help="dump the per-sample predictions to this .pkl file")
    add_run_args(parser)
    return parser.parse_args()


def main() -> dict:
    args = parse_args()
    cfg = load_run_config(args)  # cfg-options, launcher, work_dir rule
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
