"""Train a risseg model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]]``."""

from __future__ import annotations

import argparse
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import find_latest_checkpoint

import risseg.engine  # noqa: F401  (safe checkpoint loading, CPU DDP wrapper, WarmupEMA)
from risseg.engine.dist import shutdown_distributed
from risseg.engine.run_config import add_run_args, load_run_config
from risseg.engine.runner import RISRunner as Runner  # load_from must fit (or load_cfg)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a referring segmentor")
    parser.add_argument("config", help="train config file path")
    parser.add_argument(
        "--resume",
        nargs="?",
        type=str,
        const="auto",
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


def apply_resume(cfg: Config, resume: str | None) -> None:
    """Set ``cfg.resume`` / ``cfg.load_from`` for ``--resume [PATH]``.

    ``None``: untouched. A PATH: resume from that checkpoint. ``'auto'``: resume from the latest
    checkpoint of ``cfg.work_dir``; when there is none yet, start afresh *with* the config's
    ``load_from`` initialisation (so an interrupted job can always be relaunched with
    ``--resume``, including its first launch).
    """
    if resume is None:
        return
    if resume != "auto":
        cfg.resume, cfg.load_from = True, resume
        return
    has_one = osp.exists(osp.join(cfg.work_dir, "last_checkpoint"))
    latest = find_latest_checkpoint(cfg.work_dir) if has_one else None
    if latest is None:
        print(
            f"--resume: no checkpoint in {cfg.work_dir} yet; starting from the beginning"
            + (f" (load_from={cfg.load_from})" if cfg.get("load_from") else "")
        )
        cfg.resume = False
    else:
        cfg.resume, cfg.load_from = True, latest


def main() -> Runner:
    args = parse_args()
    cfg = load_run_config(args)  # cfg-options, threads, launcher, work_dir rule
    if args.amp:
        enable_amp(cfg)
    if cfg.get("ema", False):
        cfg.custom_hooks = list(cfg.get("custom_hooks", [])) + [cfg.ema_cfg]
    apply_resume(cfg, args.resume)
    runner = Runner.from_cfg(cfg)
    runner.train()
    shutdown_distributed()
    return runner


if __name__ == "__main__":
    main()
