"""tools/generate_pseudo_labels.py end to end on a tiny SynthRef, then resumed."""

import json
from pathlib import Path

from risseg.testing import run_script

ROOT = Path(__file__).resolve().parents[2]


def _run(argv):
    run_script(ROOT / "tools" / "generate_pseudo_labels.py", *argv)


def test_synthref_proposals_cli(tmp_path):
    data, out = tmp_path / "synthref", tmp_path / "proposals"
    argv = [
        str(ROOT / "configs" / "semires" / "synth_proposals_synthref.py"),
        "--out",
        str(out),
        "--cfg-options",
        f"pseudo_label_dataset.data_root={data}",
        "pseudo_label_dataset.preset=tiny",
    ]
    _run(argv)
    index = json.loads((out / "index.json").read_text())
    assert index["num_images"] > 0
    first = out / f"{index['image_ids'][0]}.json"
    rec = json.loads(first.read_text())
    assert rec["labeler"] == "SynthProposalLabeler" and len(rec["masks"]) == len(rec["scores"])
    mtime = first.stat().st_mtime_ns
    _run(argv)  # resumes: nothing is rewritten
    assert first.stat().st_mtime_ns == mtime
