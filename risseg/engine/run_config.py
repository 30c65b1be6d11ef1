"""Command-line plumbing shared by tools/train.py and tools/test.py."""
from __future__ import annotations

import argparse
import difflib
import inspect
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from risseg.engine.dist import setup_launcher
from risseg.engine.threads import apply_num_threads


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """Add the options every tool shares: --work-dir, --cfg-options, --launcher, --local_rank."""
    parser.add_argument("--work-dir", help="directory for logs, metrics and checkpoints")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction,
        help="override config entries, e.g. ema=True train_dataloader.batch_size=8",
    )
    parser.add_argument(
        "--threads", default=None,
        help="CPU threads of this process (an int or 'auto'; default: env_cfg.num_threads, else "
        "'auto' = the process's share of the cores less one per data-loader worker)",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)


# top-level keys the Runner reads besides those a config defines
RUNNER_KEYS = frozenset(inspect.signature(Runner.__init__).parameters) - {"self", "cfg"}
RUNNER_KEYS |= {"runner_type"}


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Refuse ``--cfg-options`` whose top-level key neither the config nor the Runner knows.

    Such a key would be set and then read by nothing (``emaa=True`` for ``ema=True``).

    Args:
        cfg: the loaded config.
        options: the parsed ``--cfg-options`` (dotted keys).

    Raises:
        KeyError: naming every unknown key, with the closest known key where there is one.
    """
    known = set(cfg.keys()) | RUNNER_KEYS
    problems = []
    for key in options:
        top = key.split(".")[0]
        if top in known:
            continue
        close = difflib.get_close_matches(top, sorted(known), n=1)
        problems.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    if problems:
        raise KeyError(f"--cfg-options: unknown key {', '.join(problems)}; the config "
                       f"{cfg.filename} and the Runner know no such top-level key.")


# risseg hooks every training and test run gets (unless the config lists them itself)
DEFAULT_CUSTOM_HOOKS = (dict(type="TextCoverageHook"),)


def add_default_hooks(cfg: Config) -> None:
    """Append each of :data:`DEFAULT_CUSTOM_HOOKS` missing from ``cfg.custom_hooks``, and
    ``ChannelsLastHook`` when ``env_cfg.channels_last`` is true."""
    wanted = list(DEFAULT_CUSTOM_HOOKS)
    if cfg.get("env_cfg", {}).get("channels_last", False):
        wanted.append(dict(type="ChannelsLastHook"))
    hooks = list(cfg.get("custom_hooks") or [])
    present = {hook.get("type") for hook in hooks}
    hooks += [dict(hook) for hook in wanted if hook["type"] not in present]
    cfg.custom_hooks = hooks


def load_run_config(args: argparse.Namespace, loader: str = "train_dataloader") -> Config:
    """Load ``args.config`` and apply the shared options.

    Applies ``--cfg-options``, the default risseg hooks (:data:`DEFAULT_CUSTOM_HOOKS`: the
    count of truncated or unknown-word expressions), the launcher set-up (gloo on CPU-only
    machines), the CPU thread count (``--threads``, :mod:`risseg.engine.threads`) and the
    work_dir rule: ``--work-dir`` > ``work_dir`` in the config > ``./work_dirs/<config name>``.

    Args:
        args: parsed arguments with config, cfg_options, threads, launcher, local_rank and
            work_dir.
        loader: the data loader whose workers run beside the model (for the thread count).

    Returns:
        The config, ready for ``Runner.from_cfg`` after tool-specific changes.
    """
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    add_default_hooks(cfg)
    setup_launcher(cfg, args.launcher)
    apply_num_threads(cfg, getattr(args, "threads", None), loader)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    return cfg
