"""Launch helpers shared by tools/train.py and tools/test.py (CPU-safe distributed set-up)."""

from __future__ import annotations

import datetime
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def _slurm_env() -> None:
    """Fill RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR from SLURM variables."""
    os.environ.setdefault("RANK", os.environ["SLURM_PROCID"])
    os.environ.setdefault("WORLD_SIZE", os.environ["SLURM_NTASKS"])
    os.environ.setdefault("LOCAL_RANK", os.environ.get("SLURM_LOCALID", "0"))
    if "MASTER_ADDR" not in os.environ:
        nodes = os.environ["SLURM_NODELIST"]
        host = subprocess.getoutput(f"scontrol show hostname {nodes} | head -n1")
        os.environ["MASTER_ADDR"] = host
    os.environ.setdefault("MASTER_PORT", "29500")


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher in ``cfg`` and make distributed runs work without GPUs.

    With CUDA, mmengine's own ``init_dist`` runs (NCCL by default). Without CUDA, the
    process group is initialised here with the gloo backend (mmengine would call
    ``torch.cuda.set_device``), ``env_cfg.dist_cfg.backend`` is set to ``'gloo'`` and the
    model is wrapped by :class:`RISDistributedDataParallel` (no ``device_ids``).

    Args:
        cfg: the loaded config; modified in place.
        launcher: ``'none'``, ``'pytorch'`` (torchrun) or ``'slurm'``.
    """
    cfg.launcher = launcher
    if launcher == "none" or torch.cuda.is_available():
        return
    cfg.setdefault("env_cfg", {}).setdefault("dist_cfg", {})["backend"] = "gloo"
    wrapper = cfg.get("model_wrapper_cfg") or {}
    if wrapper.get("type", "MMDistributedDataParallel") == "MMDistributedDataParallel":
        # Runner.wrap_model looks the type up in mmengine's root registry (no default-scope
        # switch), so the scope prefix is needed to reach risseg's child registry.
        cfg.model_wrapper_cfg = dict(wrapper, type="risseg.RISDistributedDataParallel")
    if launcher == "slurm":
        _slurm_env()
    if not torch_dist.is_initialized():
        timeout = cfg.env_cfg.dist_cfg.get("timeout")
        kwargs = {} if timeout is None else dict(timeout=datetime.timedelta(seconds=timeout))
        torch_dist.init_process_group(
            backend="gloo",
            rank=int(os.environ["RANK"]),
            world_size=int(os.environ["WORLD_SIZE"]),
            **kwargs,
        )


def shutdown_distributed() -> None:
    """Tear the process group down (after a barrier) before the interpreter exits.

    Left to interpreter shutdown, a gloo group's threads can be destroyed while a peer rank is
    still finishing, and that rank aborts ("terminate called without an active exception"),
    failing a run whose work was done. A no-op outside distributed runs.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
