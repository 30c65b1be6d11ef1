"""Fixture importing the scripts of benchmarks/ (plain files, not a package)."""

from pathlib import Path

import pytest

from risseg.testing import load_script

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def load_benchmark():
    """``load_benchmark(name)`` -> the module of ``benchmarks/<name>.py``."""

    def load(name: str):
        return load_script(BENCHMARKS / f"{name}.py")

    return load
