"""Command-line plumbing shared by tools/train.py and tools/test.py."""

from __future__ import annotations

import argparse
import difflib
import inspect
import os
import os.path as osp
from typing import Any

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from risseg.engine.dist import setup_launcher
from risseg.engine.threads import apply_num_threads


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """Add the options every tool shares: --work-dir, --cfg-options, --launcher, --local_rank."""
    parser.add_argument("--work-dir", help="directory for logs, metrics and checkpoints")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override config entries, e.g. ema=True train_dataloader.batch_size=8",
    )
    parser.add_argument(
        "--threads",
        default=None,
        help="CPU threads of this process (an int or 'auto'; default: env_cfg.num_threads, else "
        "'auto' = the process's share of the cores less one per data-loader worker)",
    )
    parser.add_argument(
        "--data-root",
        help="move every path under the config's data_root (datasets, vocabulary, "
        "supervision, proposal and pseudo-label files) to this folder",
    )
    parser.add_argument(
        "--preset",
        help="SynthRef generator preset of every SynthRefDataset (e.g. tiny, "
        "default, large); without --data-root the data moves to <data_root>_<preset>",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)


# top-level keys the Runner reads besides those a config defines
RUNNER_KEYS = frozenset(inspect.signature(Runner.__init__).parameters) - {"self", "cfg"}
# load_cfg: read by RISRunner; compile: torch.compile of the model, read by Runner.train from cfg
RUNNER_KEYS |= {"runner_type", "load_cfg", "compile"}


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
        raise KeyError(
            f"--cfg-options: unknown key {', '.join(problems)}; the config "
            f"{cfg.filename} and the Runner know no such top-level key."
        )


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


# Top-level config variables naming a folder that other entries derive from: a new value (from
# --data-root or --cfg-options) moves every path under the old one.
PATH_VARIABLES = ("data_root", "proposal_dir")


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def move_paths(node: Any, old: str, new: str) -> Any:
    """``node`` with every string that is ``old`` or a path under it moved to ``new``.

    Args:
        node: a config tree (dicts, lists, tuples, strings, other values).
        old: the folder to move (a trailing ``/`` is ignored).
        new: its new location.

    Returns:
        A moved copy; whole path components only (``data/synthref_large`` is not under
        ``data/synthref``).
    """
    old, new = old.rstrip("/") or old, new.rstrip("/") or new
    if isinstance(node, str):
        return new + node[len(old) :] if _is_under(node, old) else node
    if isinstance(node, dict):
        return type(node)({k: move_paths(v, old, new) for k, v in node.items()})
    if isinstance(node, (list, tuple)):
        return type(node)(move_paths(v, old, new) for v in node)
    return node


def move_path_variable(cfg: Config, key: str, new: str) -> Config:
    """Set the path variable ``key`` (:data:`PATH_VARIABLES`) to ``new``, moving every path
    under its old value with it (in every entry of the config).

    Raises:
        KeyError: the config defines no ``key`` (naming the config file).
    """
    old = cfg.get(key)
    if not isinstance(old, str):
        raise KeyError(
            f"{cfg.filename} defines no top-level {key!r} variable to move to {new}: "
            f"set the paths with --cfg-options instead."
        )
    moved = Config(move_paths(cfg.to_dict(), old, new), filename=cfg.filename)
    moved[key] = new
    return moved


def _synthref_datasets(node: Any) -> list[dict]:
    """Every ``SynthRefDataset`` dict in a config tree."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "SynthRefDataset" else []
        return found + [d for v in node.values() for d in _synthref_datasets(v)]
    if isinstance(node, (list, tuple)):
        return [d for v in node for d in _synthref_datasets(v)]
    return []


def apply_data_options(cfg: Config, data_root: str | None, preset: str | None) -> Config:
    """Apply ``--data-root`` and ``--preset`` (see :func:`add_run_args`).

    ``--preset P`` sets ``preset=P`` on every SynthRefDataset (and the ``preset`` variable);
    without ``--data-root`` the data root becomes ``<data_root>_<P>`` (``data/synthref_large``),
    ``data/synthref`` itself for ``default``, since a SynthRef folder holds one preset.

    Raises:
        KeyError: no ``data_root`` variable to move, or ``--preset`` on a config without a
            SynthRefDataset.
    """
    if preset is not None:
        datasets = _synthref_datasets(cfg.to_dict())
        if not datasets:
            raise KeyError(f"--preset {preset}: {cfg.filename} has no SynthRefDataset.")
        if data_root is None and preset != "default":
            base = cfg.get("data_root", "")
            data_root = f"{base.rstrip('/')}_{preset}" if base else None
    if data_root is not None:
        cfg = move_path_variable(cfg, "data_root", data_root)
    if preset is not None:
        tree = cfg.to_dict()
        for dataset in _synthref_datasets(tree):
            dataset["preset"] = preset
        cfg = Config(tree, filename=cfg.filename)
        if "preset" in cfg:
            cfg.preset = preset
    return cfg


def merge_cfg_options(cfg: Config, options: dict) -> Config:
    """Merge ``--cfg-options`` after checking their keys; a path variable (:data:`PATH_VARIABLES`)
    given as a top-level key moves every path under its old value (:func:`move_path_variable`)."""
    check_cfg_options(cfg, options)
    options = dict(options)
    for key in PATH_VARIABLES:
        if key in options and isinstance(options[key], str) and isinstance(cfg.get(key), str):
            cfg = move_path_variable(cfg, key, options.pop(key))
    cfg.merge_from_dict(options)
    return cfg


def load_run_config(args: argparse.Namespace, loader: str = "train_dataloader") -> Config:
    """Load ``args.config`` and apply the shared options.

    Applies ``--data-root`` / ``--preset`` (:func:`apply_data_options`), ``--cfg-options``
    (:func:`merge_cfg_options`), the default risseg hooks (:data:`DEFAULT_CUSTOM_HOOKS`: the
    count of truncated or unknown-word expressions), the launcher set-up (gloo on CPU-only
    machines), the CPU thread count (``--threads``, :mod:`risseg.engine.threads`) and the
    work_dir rule: ``--work-dir`` > ``work_dir`` in the config > ``./work_dirs/<config name>``.

    Args:
        args: parsed arguments with config, cfg_options, threads, launcher, local_rank and
            work_dir.
        loader: the data loader whose workers run beside the model (for the thread count).
            ``"test_dataloader"`` (tools/test.py) also resets ``load_cfg`` to strict loading
            before ``--cfg-options``: a config's partial loading describes how its training
            starts from another model; the checkpoint under test must fit unless
            ``--cfg-options load_cfg.strict=False`` says otherwise.

    Returns:
        The config, ready for ``Runner.from_cfg`` after tool-specific changes.
    """
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg = apply_data_options(cfg, getattr(args, "data_root", None), getattr(args, "preset", None))
    if loader == "test_dataloader":
        cfg.load_cfg = dict(strict=True)
    if args.cfg_options is not None:
        cfg = merge_cfg_options(cfg, args.cfg_options)
    add_default_hooks(cfg)
    setup_launcher(cfg, args.launcher)
    apply_num_threads(cfg, getattr(args, "threads", None), loader)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    return cfg
