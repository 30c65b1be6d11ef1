"""Load the repository's stand-alone scripts (tools/, benchmarks/) in tests, one way for all."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock


def load_script(path: str | Path) -> ModuleType:
    """Import the script at ``path`` as a fresh module, without running its ``__main__`` block.

    The module is registered in ``sys.modules`` as ``script_<parent>_<stem>`` (dataclasses and
    pickling look classes up there); every call executes the file again.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no script at {path}")
    name = f"script_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def run_script(path: str | Path, *args: str) -> Any:
    """Run the ``main()`` of the script at ``path`` in this process with ``args`` as its
    command line (``sys.argv`` restored afterwards); returns what ``main`` returns."""
    module = load_script(path)
    with mock.patch.object(sys, "argv", [Path(path).name, *map(str, args)]):
        return module.main()
