"""Safe checkpoint loading for mmengine 0.10.7 under torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True``: only tensors, containers and allow-listed
globals may be unpickled. mmengine's own checkpoints also hold its ``HistoryBuffer`` (with
numpy arrays and bound statistics methods pickled through ``getattr``), so ``--resume`` fails
out of the box. This module allow-lists exactly those objects, keeps ``weights_only=True``,
and replaces mmengine's local-file loader so that any other object is rejected with an error
naming the file and the offending globals. It never falls back to unsafe loading.

Importing ``risseg.engine`` installs it; the Runner imports ``risseg.engine`` itself whenever
``default_scope='risseg'`` (the HOOKS registry's location), and ``tools/*.py`` import it.
"""
from __future__ import annotations

import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

# The statistics functions a HistoryBuffer keeps in its state; pickle (protocol 2) writes
# them as getattr(HistoryBuffer, name).
_HISTORY_BUFFER_METHODS = frozenset({"min", "max", "mean", "current"})


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects outside the allow-list of safe globals."""


def history_buffer_getattr(obj: object, name: str) -> object:
    """Stand-in for ``builtins.getattr`` during ``weights_only`` loading.

    Only resolves the statistics functions of ``HistoryBuffer`` (how its pickled state refers
    to them); any other use is refused, so allow-listing it does not open ``getattr`` in
    general.
    """
    if (obj is HistoryBuffer or isinstance(obj, HistoryBuffer)) and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f"getattr({obj!r:.60}, {name!r}) is not allowed in a checkpoint "
        "(only HistoryBuffer statistics methods are)"
    )


def _numpy_globals() -> list:
    """The numpy globals needed to rebuild plain arrays and scalars (no object arrays code)."""
    multiarray = getattr(np, "_core", None) or np.core  # numpy 2 renamed core -> _core
    multiarray = multiarray.multiarray
    safe = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype]
    dtype_classes = {type(np.dtype(t)) for t in (np.float16, np.float32, np.float64, np.int8,
                                                 np.int16, np.int32, np.int64, np.uint8, np.bool_)}
    safe += sorted(dtype_classes, key=lambda c: c.__name__)
    # Pickles written by numpy 1.x name the module numpy.core.multiarray.
    if multiarray.__name__ != "numpy.core.multiarray":
        safe += [
            (multiarray._reconstruct, "numpy.core.multiarray._reconstruct"),
            (multiarray.scalar, "numpy.core.multiarray.scalar"),
        ]
    return safe


SAFE_GLOBALS: list = [
    HistoryBuffer,
    bytes,  # empty numpy buffers pickle as bytes()
    (history_buffer_getattr, "builtins.getattr"),
    *_numpy_globals(),
]


def install_safe_checkpoint_loading() -> None:
    """Allow-list :data:`SAFE_GLOBALS` and route local files through :func:`load_local_checkpoint`.

    Idempotent; called when ``risseg.engine`` is imported.
    """
    torch.serialization.add_safe_globals(SAFE_GLOBALS)
    CheckpointLoader.register_scheme(prefixes="", loader=load_local_checkpoint, force=True)


def load_local_checkpoint(filename: str, map_location: str | None = None) -> dict:
    """Load a local checkpoint with ``weights_only=True`` (mmengine's loader signature).

    Args:
        filename: path of the checkpoint.
        map_location: as for :func:`torch.load`.

    Returns:
        The checkpoint dict.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file holds objects that are not allow-listed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f"checkpoint not found: {filename}")
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        try:
            found = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except Exception:  # not a zip checkpoint: the torch message says why
            found = []
        listing = ", ".join(found) if found else "see the original error below"
        raise UnsafeCheckpointError(
            f"Refusing to load checkpoint {filename}: it contains objects that are not on "
            f"risseg's allow-list of safe globals ({listing}). risseg loads checkpoints with "
            "weights_only=True and never unpickles arbitrary code. If you created this file "
            "and trust it, allow-list the class with torch.serialization.add_safe_globals([...]) "
            f"before loading. Original error: {err}"
        ) from err


install_safe_checkpoint_loading()
