"""Loading foundation-model weights from local paths only, safely.

The same rules as risseg's checkpoints (:mod:`risseg.engine.checkpoint`): a URL, a model-hub
name or any other non-local path is refused with a message that names it and says how to fetch
the files; ``.pth`` / ``.pt`` files load with ``weights_only=True``; Hugging Face directories
load with ``local_files_only=True`` (safetensors where present, else ``torch.load`` with
``weights_only=True``, as transformers does). Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from risseg.engine.checkpoint import load_local_checkpoint, remote_scheme


def _refuse(path: str, what: str, how: str) -> None:
    """Raise FileNotFoundError / ValueError for a path that is not a local file or folder."""
    scheme = remote_scheme(path)
    if scheme is not None:
        raise ValueError(
            f"{what}: {path!r} is not a local path ({scheme}); risseg downloads nothing at run "
            f"time. {how} and pass its local path."
        )
    raise FileNotFoundError(f"{what}: {path!r} does not exist. {how} and pass its local path.")


def local_weights_file(path: str | os.PathLike, what: str, how: str = "Download the file") -> Path:
    """``path`` as an existing local file, else a clear error.

    Args:
        path: the configured weights file.
        what: the part that needs it, for the message (e.g. ``'SAM ViT-H'``).
        how: where the user gets the file (e.g. the official download page).

    Returns:
        The path.
    """
    if not os.path.isfile(path):
        _refuse(str(path), what, how)
    return Path(path)


def local_weights_dir(path: str | os.PathLike, what: str, how: str = "Download the folder") -> Path:
    """``path`` as an existing local directory (a Hugging Face model folder), else an error."""
    if not os.path.isdir(path):
        _refuse(str(path), what, how)
    return Path(path)


def load_torch_weights(path: str | os.PathLike, what: str, how: str = "Download the file") -> dict:
    """A state dict from a local ``.pth`` / ``.pt`` / ``.safetensors`` file, never unpickling code.

    Returns:
        The state dict (a ``state_dict`` / ``model`` entry is unwrapped).
    """
    path = local_weights_file(path, what, how)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = load_local_checkpoint(str(path), map_location="cpu")
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            return state[key]
    return state


def load_hf_pretrained(cls: Any, path: str | os.PathLike, what: str, how: str, **kwargs: Any):
    """``cls.from_pretrained`` on a local folder with ``local_files_only=True``.

    Args:
        cls: a transformers class (``SamModel``, ``CLIPModel``, a processor...).
        path: the local model folder.
        what, how: for the error message.
        kwargs: passed to ``from_pretrained``.
    """
    folder = local_weights_dir(path, what, how)
    return cls.from_pretrained(str(folder), local_files_only=True, **kwargs)
