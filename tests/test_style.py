"""The repository is ruff-clean and ruff-formatted (pyproject.toml: line length 100)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff")
    cmd = [exe] if exe else [sys.executable, "-m", "ruff"]
    return subprocess.run([*cmd, *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("args", [("check", "."), ("format", "--check", ".")], ids=" ".join)
def test_ruff(args):
    proc = _ruff(*args)
    assert proc.returncode == 0, f"ruff {' '.join(args)} (fix: ruff {args[0]} .):\n{proc.stdout}"
