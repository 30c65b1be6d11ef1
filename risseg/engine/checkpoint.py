"""Safe checkpoint loading for mmengine 0.10.7 under torch >= 2.6.

torch >= 2.6 loads with ``weights_only=True``: only tensors, containers and allow-listed
globals may be unpickled. mmengine's own checkpoints also hold its ``HistoryBuffer`` (with
numpy arrays and bound statistics methods pickled through ``getattr``), so ``--resume`` fails
out of the box. This module allow-lists exactly those objects, keeps ``weights_only=True``,
and replaces mmengine's local-file loader so that any other object is rejected with an error
naming the file and the offending globals. It never falls back to unsafe loading.

Checkpoints named by a URL or any other non-local scheme (``https://``, ``open-mmlab://``,
``torchvision://``, ``mmcls://``, ``s3://``, ``pavi://``, ...) are refused with
:class:`RemoteCheckpointError`: mmengine's loaders for them download at run time and unpickle the
result (or a file already in torch's hub cache) without restriction. Every mmengine entry point
is covered: ``CheckpointLoader.load_checkpoint`` itself (so ``load_from``, ``resume``,
``init_cfg=dict(type='Pretrained')`` and any scheme registered later), every scheme in its
registry, and the module-level ``load_from_*`` / ``load_url`` functions.

Importing ``risseg.engine`` installs it; the Runner imports ``risseg.engine`` itself whenever
``default_scope='risseg'`` (the HOOKS registry's location), and ``tools/*.py`` import it.
"""

from __future__ import annotations

import os.path as osp
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import checkpoint as mm_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

# The statistics functions a HistoryBuffer keeps in its state; pickle (protocol 2) writes
# them as getattr(HistoryBuffer, name).
_HISTORY_BUFFER_METHODS = frozenset({"min", "max", "mean", "current"})


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects outside the allow-list of safe globals."""


class RemoteCheckpointError(ValueError):
    """A checkpoint was given as a URL or other non-local path; risseg loads local files only."""


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
    dtype_classes = {
        type(np.dtype(t))
        for t in (
            np.float16,
            np.float32,
            np.float64,
            np.int8,
            np.int16,
            np.int32,
            np.int64,
            np.uint8,
            np.bool_,
        )
    }
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


# A URL-like scheme, optionally with mmengine's backend prefix ('open-mmlab:s3://...').
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(?::[A-Za-z][A-Za-z0-9+.\-]*)*://")

# mmengine's module-level loaders; each is replaced so that direct calls are refused too.
_MMENGINE_REMOTE_LOADERS = (
    "load_from_http",
    "load_from_pavi",
    "load_from_ceph",
    "load_from_torchvision",
    "load_from_openmmlab",
    "load_from_mmcls",
)


def remote_scheme(filename: object) -> str | None:
    """The scheme of a non-local checkpoint path (``'https://'``, ``'s3://'``...), else None.

    A path counts as non-local when it starts with ``<scheme>://`` or matches any non-empty
    prefix in mmengine's ``CheckpointLoader`` registry (including ones registered later).
    """
    if not isinstance(filename, str):
        return None
    match = _SCHEME.match(filename)
    if match:
        return match.group(0)
    for prefix in list(CheckpointLoader._schemes):
        if prefix and re.match(prefix, filename):
            return prefix
    return None


def _model_zoo_url(filename: str) -> str | None:
    """The download URL mmengine would use for a model-zoo name, if it can be looked up."""
    name = filename.split("://", 1)[1]
    try:
        if filename.startswith(("torchvision://", "modelzoo://")):
            return mm_checkpoint.get_torchvision_models().get(name)
        if filename.startswith(("open-mmlab://", "openmmlab://")):
            name = mm_checkpoint.get_deprecated_model_names().get(name, name)
            return mm_checkpoint.get_external_models().get(name)
        if filename.startswith("mmcls://"):
            return mm_checkpoint.get_mmcls_models().get(name)
    except Exception:  # noqa: BLE001 - the lookup only improves the message
        return None
    return None


def _fetch_advice(filename: str) -> str:
    """How to get ``filename`` onto local disk (no download happens here)."""
    url = filename if filename.startswith(("http://", "https://")) else _model_zoo_url(filename)
    if url is None:
        if re.match(r"^(\S+:)?(s3|petrel)://", filename):
            return (
                f"Copy it with your storage client (e.g. `aws s3 cp {filename} "
                "checkpoints/`) and pass the local path instead."
            )
        return "Copy the file to local disk yourself and pass the local path instead."
    if not url.startswith(("http://", "https://")):  # open-mmlab names a file in mmengine's home
        local = osp.join(mm_checkpoint._get_mmengine_home(), url)
        return f"It names the local file {local}; pass that path instead."
    base = osp.basename(url.split("?", 1)[0]) or "checkpoint.pth"
    advice = (
        f"Download it yourself, e.g. `wget -O checkpoints/{base} {url}`, check it, and "
        f"pass the local path (checkpoints/{base}) instead."
    )
    cached = osp.join(torch.hub.get_dir(), "checkpoints", base)
    if osp.isfile(cached):
        advice += (
            f" A copy of unknown origin is in torch's hub cache ({cached}); passing that "
            "path loads it with weights_only=True."
        )
    return advice


def refuse_remote_checkpoint(filename: str, map_location: object = None) -> dict:
    """Refuse a non-local checkpoint (mmengine loader signature); never downloads or loads.

    Raises:
        RemoteCheckpointError: always; names ``filename`` and says how to fetch it.
    """
    scheme = remote_scheme(filename) or "non-local"
    raise RemoteCheckpointError(
        f"Refusing to load checkpoint {filename!r}: risseg loads checkpoints from local files "
        f"only (weights_only=True) and never downloads at run time; mmengine's {scheme!r} "
        f"loader would unpickle the file without restriction. {_fetch_advice(filename)}"
    )


def _refuse_url(url: str, *args: object, **kwargs: object) -> dict:
    """Stand-in for mmengine's ``load_url`` (torch's unrestricted ``load_state_dict_from_url``)."""
    return refuse_remote_checkpoint(url)


def _safe_checkpoint_loader_load(
    cls: type, filename: str, map_location: str | None = None, logger: object = "current"
) -> dict:
    """Replacement for ``CheckpointLoader.load_checkpoint``: local files only, weights only."""
    if remote_scheme(filename):
        refuse_remote_checkpoint(filename)
    print_log(f"Loads checkpoint (local, weights_only) from path: {filename}", logger=logger)
    return load_local_checkpoint(filename, map_location=map_location)


def install_safe_checkpoint_loading() -> None:
    """Allow-list :data:`SAFE_GLOBALS`, load local files safely and refuse every other scheme.

    Idempotent; called when ``risseg.engine`` is imported.
    """
    torch.serialization.add_safe_globals(SAFE_GLOBALS)
    CheckpointLoader.load_checkpoint = classmethod(_safe_checkpoint_loader_load)
    for prefix in list(CheckpointLoader._schemes):
        if prefix:
            CheckpointLoader.register_scheme(prefix, loader=refuse_remote_checkpoint, force=True)
    CheckpointLoader.register_scheme(prefixes="", loader=load_local_checkpoint, force=True)
    mm_checkpoint.load_from_local = load_local_checkpoint
    mm_checkpoint.load_url = _refuse_url
    for name in _MMENGINE_REMOTE_LOADERS:
        setattr(mm_checkpoint, name, refuse_remote_checkpoint)


def load_local_checkpoint(filename: str, map_location: str | None = None) -> dict:
    """Load a local checkpoint with ``weights_only=True`` (mmengine's loader signature).

    Args:
        filename: path of the checkpoint.
        map_location: as for :func:`torch.load`.

    Returns:
        The checkpoint dict.

    Raises:
        RemoteCheckpointError: ``filename`` is a URL or other non-local path.
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file holds objects that are not allow-listed.
    """
    if remote_scheme(filename):
        refuse_remote_checkpoint(filename)
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


# Keys a checkpoint may lack or carry beyond the model without being a different model: the data
# preprocessor's (normalisation constants, rebuilt from the config) and the update counter of
# an averaged copy (mmengine's ExponentialMovingAverage ``steps``).
TOLERATED_KEY_PREFIXES = ("data_preprocessor.",)
TOLERATED_KEYS = frozenset({"steps"})


class CheckpointMismatchError(KeyError):
    """A checkpoint's weights do not fit the model (missing, unexpected or reshaped keys)."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


@dataclass
class CheckpointFit:
    """How a state dict fits a model.

    Attributes:
        missing: model keys the state dict lacks.
        unexpected: state dict keys the model lacks.
        mismatched: ``(key, checkpoint shape, model shape)`` of keys in both with other shapes.
    """

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple, tuple]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """True when every weight loads (tolerated keys aside)."""
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self, limit: int = 10) -> str:
        """The problems, ``limit`` names of each kind at most (with the total count)."""

        def listing(name: str, items: list) -> str:
            more = f", ... ({len(items)} in all)" if len(items) > limit else ""
            return f"{name} ({len(items)}): {', '.join(map(str, items[:limit]))}{more}"

        shapes = [f"{k} {list(c)} vs model {list(m)}" for k, c, m in self.mismatched]
        parts = [
            listing(name, items)
            for name, items in (
                ("missing keys", self.missing),
                ("unexpected keys", self.unexpected),
                ("shape mismatches", shapes),
            )
            if items
        ]
        return "; ".join(parts)


def _tolerated(key: str) -> bool:
    return key in TOLERATED_KEYS or key.startswith(TOLERATED_KEY_PREFIXES)


def state_dict_fit(model: nn.Module, state_dict: Mapping[str, object]) -> CheckpointFit:
    """Compare a state dict with ``model.state_dict()`` (nothing is loaded).

    Keys of the data preprocessor and an EMA update counter (:data:`TOLERATED_KEY_PREFIXES`,
    :data:`TOLERATED_KEYS`) are ignored.

    Args:
        model: the model the weights are meant for.
        state_dict: ``{key: tensor}`` as saved (prefixes already revised).

    Returns:
        The :class:`CheckpointFit`.
    """
    own = model.state_dict()
    fit = CheckpointFit(
        missing=[k for k in own if k not in state_dict and not _tolerated(k)],
        unexpected=[k for k in state_dict if k not in own and not _tolerated(k)],
    )
    for key, value in state_dict.items():
        if key in own and hasattr(value, "shape") and tuple(value.shape) != tuple(own[key].shape):
            fit.mismatched.append((key, tuple(value.shape), tuple(own[key].shape)))
    return fit


def check_state_dict_fit(
    model: nn.Module, state_dict: Mapping[str, object], source: str
) -> CheckpointFit:
    """:func:`state_dict_fit`, raising when the weights do not fit exactly.

    Args:
        model: the model the weights are meant for.
        state_dict: ``{key: tensor}``.
        source: the checkpoint's file name, for the message.

    Returns:
        The (exact) :class:`CheckpointFit`.

    Raises:
        CheckpointMismatchError: naming ``source``, the model and every kind of problem.
    """
    fit = state_dict_fit(model, state_dict)
    if not fit.exact:
        raise CheckpointMismatchError(
            f"Checkpoint {source} does not fit {type(model).__name__}: {fit.describe()}. "
            "Is it a checkpoint of another model or config? To initialise from it on purpose, "
            "load it partially: load_cfg = dict(strict=False) in the config or "
            "`--cfg-options load_cfg.strict=False` (add load_cfg.revise_keys to rename keys); "
            "the weights that fit are loaded and the rest are listed in the log."
        )
    return fit


install_safe_checkpoint_loading()
