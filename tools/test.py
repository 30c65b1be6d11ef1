"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out results.pkl]``.

``--show-dir DIR`` draws every test sample (sentence, predicted mask, GT outline, IoU) into
DIR; ``--show`` shows them in a window, each for ``--wait-time`` seconds.
"""

from __future__ import annotations

import argparse

import risseg.engine  # noqa: F401  (safe checkpoint loading, CPU DDP wrapper)
from risseg.engine.dist import shutdown_distributed
from risseg.engine.hooks.ris_visualization_hook import enable_visualization
from risseg.engine.run_config import add_run_args, load_run_config
from risseg.engine.runner import RISRunner as Runner  # the checkpoint must fit the model


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Test a referring segmentor")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument(
        "--out",
        help="also write the per-sample predictions: .pkl (mmengine's DumpResults, "
        "every field) or .json (risseg's DumpPredictions: RLE masks, GT masks, points, boxes; "
        "read by tools/analysis/show_predictions.py)",
    )
    parser.add_argument("--show", action="store_true", help="show each prediction in a window")
    parser.add_argument("--show-dir", help="write one picture per test sample to this folder")
    parser.add_argument(
        "--wait-time",
        type=float,
        default=2.0,
        help="seconds each --show window stays (0: until a key)",
    )
    add_run_args(parser)
    return parser.parse_args()


def main() -> dict:
    args = parse_args()
    cfg = load_run_config(args, "test_dataloader")  # cfg-options, threads, launcher, work_dir
    cfg.load_from = args.checkpoint
    if args.out is not None:
        if args.out.endswith((".pkl", ".pickle")):
            dump = dict(type="DumpResults", out_file_path=args.out)
        elif args.out.endswith(".json"):
            dump = dict(type="DumpPredictions", out_file=args.out, with_gt_mask=True)
        else:
            raise ValueError(f"--out must be a .pkl or .json file, got {args.out}")
        evaluator = cfg.test_evaluator
        evaluators = list(evaluator) if isinstance(evaluator, list) else [evaluator]
        cfg.test_evaluator = evaluators + [dump]
    if args.show or args.show_dir:
        enable_visualization(cfg, args.show_dir, args.show, args.wait_time)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    runner.logger.info(f"Test metrics: {metrics}")
    if runner.rank == 0:
        print(metrics)
    shutdown_distributed()
    return metrics


if __name__ == "__main__":
    main()
