"""CPU thread count of a training or test process, chosen so that processes do not oversubscribe.

torch uses one intra-op thread per core by default. On a CPU run that also has data-loader
workers, or several processes per machine (DDP on the CPU), that oversubscribes the cores: on a
2-core machine shared with another process, training with torch's default of 2 threads ran 4-7x
slower than with 1 (docs/get_started.md, "CPU threads"). risseg therefore sets the count itself.
"""

from __future__ import annotations

import os

import torch
from mmengine.config import Config
from mmengine.logging import print_log

AUTO = "auto"


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset restrict)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _loader_workers(cfg: Config, loader: str) -> int:
    """``num_workers`` of ``cfg[loader]``, 0 when the config has no such loader."""
    loader_cfg = cfg.get(loader)
    return int(loader_cfg.get("num_workers", 0)) if loader_cfg else 0


def auto_threads(cores: int, processes: int, loader_workers: int) -> int:
    """The automatic thread count: the process's share of the cores, less one per loader worker.

    Args:
        cores: usable cores of the machine.
        processes: training/test processes on this machine (``LOCAL_WORLD_SIZE``).
        loader_workers: data-loader worker processes of each of them.

    Returns:
        At least 1.
    """
    return max(1, cores // max(1, processes) - loader_workers)


def resolve_num_threads(cfg: Config, requested: int | str | None, loader: str) -> int | None:
    """The intra-op thread count for a run, or ``None`` to leave torch's default.

    Order: ``requested`` (``--threads``), else ``cfg.env_cfg.num_threads``, else ``'auto'``.
    ``'auto'`` keeps an explicit ``OMP_NUM_THREADS`` and leaves GPU runs alone; on a CPU run it
    is :func:`auto_threads` of the usable cores, the local process count and the workers of
    ``loader``.

    Args:
        cfg: the run's config.
        requested: an int, ``'auto'``, or ``None`` (use the config).
        loader: the data loader that runs beside the model (``'train_dataloader'`` when
            training, ``'test_dataloader'`` when testing).

    Returns:
        The thread count to set, or ``None``.

    Raises:
        ValueError: a count that is neither a positive int nor ``'auto'``.
    """
    value = requested if requested is not None else cfg.get("env_cfg", {}).get("num_threads", AUTO)
    if value != AUTO:
        try:
            count = int(str(value))  # "1.5" and 1.5 are refused, not truncated
        except (TypeError, ValueError):
            count = 0
        if count < 1:
            raise ValueError(f"threads must be a positive integer or 'auto', got {value!r}")
        return count
    if "OMP_NUM_THREADS" in os.environ or torch.cuda.is_available():
        return None
    processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    return auto_threads(usable_cores(), processes, _loader_workers(cfg, loader))


def apply_num_threads(cfg: Config, requested: int | str | None, loader: str) -> int:
    """Set torch's intra-op threads as :func:`resolve_num_threads` decides and record it.

    The chosen count is written to ``cfg.env_cfg.num_threads`` so that it is logged with the
    config. Data-loader workers already run single-threaded (torch sets 1 thread in each
    worker; ``env_cfg.mp_cfg.opencv_num_threads`` does the same for OpenCV).

    Returns:
        The thread count in force.
    """
    count = resolve_num_threads(cfg, requested, loader)
    if count is not None:
        torch.set_num_threads(count)
        print_log(f"CPU threads: {count} (--threads / env_cfg.num_threads)", "current")
    cfg.setdefault("env_cfg", {})["num_threads"] = torch.get_num_threads()
    return torch.get_num_threads()
