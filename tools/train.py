"""Train a risseg model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]]``."""
from __future__ import annotations

import argparse

import torch
from mmengine.config import Config
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading, CPU DDP wrapper, WarmupEMA)
from risseg.engine.dist import shutdown_distributed
from risseg.engine.run_config import add_run_args, load_run_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a referring segmentor")
    parser.add_argument("config", help="train config file path")
    parser.add_argument(
        "--resume", nargs="?", type=str, const="auto",
        help="resume from PATH, or from the latest checkpoint in the work_dir if no PATH",
    )
    parser.add_argument("--amp", action="store_true", help="mixed precision (bf16 on CPU)")
    add_run_args(parser)
    return parser.parse_args()


def enable_amp(cfg: Config) -> None:
    """Use AmpOptimWrapper (fp16, dynamic loss scale) on GPU, CPUAmpOptimWrapper (bf16) on CPU."""
    if cfg.optim_wrapper.get("type", "OptimWrapper") in ("AmpOptimWrapper", "CPUAmpOptimWrapper"):
        print("AMP is already enabled in the config.")
    elif torch.cuda.is_available():
        cfg.optim_wrapper.type = "AmpOptimWrapper"
        cfg.optim_wrapper.setdefault("loss_scale", "dynamic")
    else:
        print("--amp without CUDA: bfloat16 autocast on the CPU (CPUAmpOptimWrapper).")
        cfg.optim_wrapper.type = "CPUAmpOptimWrapper"


def main() -> Runner:
    args = parse_args()
    cfg = load_run_config(args)  # cfg-options, launcher, work_dir rule
    if args.amp:
        enable_amp(cfg)
    if cfg.get("ema", False):
        cfg.custom_hooks = list(cfg.get("custom_hooks", [])) + [cfg.ema_cfg]
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    runner = Runner.from_cfg(cfg)
    runner.train()
    shutdown_distributed()
    return runner


if __name__ == "__main__":
    main()
