"""Tiny SynthRef folders for the stand-in tests: a corpus (seed 1), a benchmark (seed 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from risseg.datasets.synthref import generate_synthref


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A tiny stand-in corpus (SynthRef preset ``tiny``, seed 1)."""
    root = tmp_path_factory.mktemp("standins") / "corpus"
    generate_synthref(str(root), "tiny", seed=1, workers=1, progress=False)
    return root


@pytest.fixture(scope="session")
def tiny_benchmark(tmp_path_factory) -> Path:
    """A tiny benchmark (SynthRef preset ``tiny``, seed 0) for evaluate_part."""
    root = tmp_path_factory.mktemp("standins") / "benchmark"
    generate_synthref(str(root), "tiny", seed=0, workers=1, progress=False)
    return root
