"""Shared fixtures of the tool tests: a tiny SynthRef with its stand-in proposals."""

from pathlib import Path

import pytest

from risseg.testing import run_script

ROOT = Path(__file__).resolve().parents[2]


def make_synthref_with_proposals(root: Path) -> Path:
    """Generate the 'tiny' SynthRef preset into ``root`` and, in its ``proposals`` folder, the
    proposals of tools/generate_pseudo_labels.py with configs/semires/synth_proposals_synthref.py.
    """
    argv = [
        "generate_pseudo_labels.py",
        str(ROOT / "configs/semires/synth_proposals_synthref.py"),
        "--out",
        str(root / "proposals"),
        "--cfg-options",
        f"pseudo_label_dataset.data_root={root}",
        "pseudo_label_dataset.preset=tiny",
    ]
    run_script(ROOT / "tools/generate_pseudo_labels.py", *argv[1:])
    return root


@pytest.fixture
def synthref_with_proposals(tmp_path) -> Path:
    """``tmp_path/synthref``: see :func:`make_synthref_with_proposals`."""
    return make_synthref_with_proposals(tmp_path / "synthref")


@pytest.fixture(scope="module")
def module_synthref_with_proposals(tmp_path_factory) -> Path:
    """The same, made once per test module (read-only for its tests)."""
    return make_synthref_with_proposals(tmp_path_factory.mktemp("data") / "synthref")
