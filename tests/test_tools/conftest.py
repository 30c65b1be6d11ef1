"""Shared fixture of the tool tests: a tiny SynthRef with its stand-in proposals."""
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def synthref_with_proposals(tmp_path, monkeypatch) -> Path:
    """``tmp_path/synthref``: the 'tiny' SynthRef preset and, in its ``proposals`` folder, the
    proposals of tools/generate_pseudo_labels.py with configs/semires/synth_proposals_synthref.py.
    """
    root = tmp_path / "synthref"
    monkeypatch.setattr(sys, "argv", [
        "generate_pseudo_labels.py", str(ROOT / "configs/semires/synth_proposals_synthref.py"),
        "--out", str(root / "proposals"), "--cfg-options",
        f"pseudo_label_dataset.data_root={root}", "pseudo_label_dataset.preset=tiny"])
    runpy.run_path(str(ROOT / "tools/generate_pseudo_labels.py"), run_name="__main__")
    return root
