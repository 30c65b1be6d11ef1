"""Command-line plumbing shared by tools/train.py and tools/test.py."""
from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from risseg.engine.dist import setup_launcher


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """Add the options every tool shares: --work-dir, --cfg-options, --launcher, --local_rank."""
    parser.add_argument("--work-dir", help="directory for logs, metrics and checkpoints")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction,
        help="override config entries, e.g. ema=True train_dataloader.batch_size=8",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)


def load_run_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and apply the shared options.

    Applies ``--cfg-options``, the launcher set-up (gloo on CPU-only machines) and the
    work_dir rule: ``--work-dir`` > ``work_dir`` in the config > ``./work_dirs/<config name>``.

    Args:
        args: parsed arguments with config, cfg_options, launcher, local_rank and work_dir.

    Returns:
        The config, ready for ``Runner.from_cfg`` after tool-specific changes.
    """
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    setup_launcher(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    return cfg
