"""Train a risseg model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [PATH]]``."""
from __future__ import annotations

import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading, CPU DDP wrapper, WarmupEMA)
from risseg.engine import setup_launcher


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a referring segmentor")
    parser.add_argument("config", help="train config file path")
    parser.add_argument("--work-dir", help="directory for logs and checkpoints")
    parser.add_argument(
        "--resume", nargs="?", type=str, const="auto",
        help="resume from PATH, or from the latest checkpoint in the work_dir if no PATH",
    )
    parser.add_argument("--amp", action="store_true", help="mixed precision (bf16 on CPU)")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction,
        help="override config entries, e.g. ema=True train_dataloader.batch_size=8",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


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
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    setup_launcher(cfg, args.launcher)
    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
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
    return runner


if __name__ == "__main__":
    main()
