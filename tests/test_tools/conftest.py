"""Shared fixtures of the tool tests: a tiny SynthRef with its stand-in proposals."""
import runpy
import sys
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[2]


def make_synthref_with_proposals(root: Path) -> Path:
    """Generate the 'tiny' SynthRef preset into ``root`` and, in its ``proposals`` folder, the
    proposals of tools/generate_pseudo_labels.py with configs/semires/synth_proposals_synthref.py.
    """
    argv = [
        "generate_pseudo_labels.py", str(ROOT / "configs/semires/synth_proposals_synthref.py"),
        "--out", str(root / "proposals"), "--cfg-options",
        f"pseudo_label_dataset.data_root={root}", "pseudo_label_dataset.preset=tiny"]
    with mock.patch.object(sys, "argv", argv):
        runpy.run_path(str(ROOT / "tools/generate_pseudo_labels.py"), run_name="__main__")
    return root


@pytest.fixture
def synthref_with_proposals(tmp_path) -> Path:
    """``tmp_path/synthref``: see :func:`make_synthref_with_proposals`."""
    return make_synthref_with_proposals(tmp_path / "synthref")


@pytest.fixture(scope="module")
def module_synthref_with_proposals(tmp_path_factory) -> Path:
    """The same, made once per test module (read-only for its tests)."""
    return make_synthref_with_proposals(tmp_path_factory.mktemp("data") / "synthref")
