"""Shared steps of the official-checkpoint converters in ``tools/convert/``.

Each converter loads the original release's file (``weights_only=True``, through
:func:`risseg.engine.checkpoint.load_local_checkpoint`), renames its tensors to risseg's
module names, and writes an mmengine checkpoint that ``load_from`` accepts.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from risseg.engine.checkpoint import load_local_checkpoint


def load_official_checkpoint(path: str, safe_globals: Sequence[type] = ()) -> dict:
    """Load an official release file without unpickling code.

    Args:
        path: the checkpoint file.
        safe_globals: extra classes the file is known to pickle (e.g. ``argparse.Namespace``).

    Returns:
        The loaded top-level dict.

    Raises:
        FileNotFoundError / UnsafeCheckpointError: see :func:`load_local_checkpoint`.
        TypeError: the file does not hold a dict.
    """
    with torch.serialization.safe_globals(list(safe_globals)):
        ckpt = load_local_checkpoint(path, map_location="cpu")
    if not isinstance(ckpt, dict):
        raise TypeError(f"{path}: expected a dict checkpoint, got {type(ckpt).__name__}")
    return ckpt


def add_prefix(state: dict, prefix: str) -> dict:
    """``state`` with ``prefix`` before every key (e.g. ``'teacher.'`` for a wrapper model)."""
    return {prefix + k: v for k, v in state.items()}


def save_converted_checkpoint(state: dict, dst: str, **meta) -> None:
    """Write ``{'state_dict': state, 'meta': meta}`` to ``dst`` (the ``load_from`` layout)."""
    torch.save(dict(state_dict=state, meta=meta), dst)
    print(f"Wrote {len(state)} tensors to {dst}")
