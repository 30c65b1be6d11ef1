"""Repository configs pointed at throw-away data, for tests."""
from __future__ import annotations

from typing import Any

from mmengine.config import Config


def retarget_paths(obj: Any, old: str, new: str) -> Any:
    """Replace the prefix ``old`` by ``new`` in every string of a nested config tree."""
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, dict):
        return type(obj)({k: retarget_paths(v, old, new) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return type(obj)(retarget_paths(v, old, new) for v in obj)
    return obj


def synthref_config(path: str, data_root: str) -> Config:
    """Load a SynthRef config with every ``data/synthref`` path moved to ``data_root``.

    SynthRef datasets generate their preset on first use, so ``data_root`` may be empty.
    """
    cfg = Config.fromfile(path)
    return Config(retarget_paths(cfg.to_dict(), "data/synthref", data_root))
