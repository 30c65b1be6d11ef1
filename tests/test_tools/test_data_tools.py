"""The dataset-preparation scripts under tools/data, run as a user would."""

import json
import pickle
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout


def test_refs_to_json_and_supervision_subsets(tmp_path):
    ann = tmp_path / "refcoco"
    ann.mkdir()
    refs = [
        dict(
            ref_id=i,
            ann_id=i,
            image_id=i // 2,
            split="train" if i < 8 else "val",
            sentences=[dict(raw=f"thing {i}", sent=f"thing {i}", sent_id=i)],
            tags={"x"},
            pair=(1, 2),
        )
        for i in range(10)
    ]
    (ann / "refs(unc).p").write_bytes(pickle.dumps(refs, protocol=2))
    run("tools/data/refs_to_json.py", ann / "refs(unc).p")
    converted = json.loads((ann / "refs(unc).json").read_text())
    assert converted[3]["sentences"][0]["raw"] == "thing 3" and converted[3]["pair"] == [1, 2]

    out = run(
        "tools/data/make_supervision_subsets.py",
        "--data-root",
        tmp_path,
        "--dataset",
        "refcoco",
        "--split-by",
        "unc",
        "--ratios",
        "0.25",
        "0.5",
    )
    assert "25%" in out
    sup = json.loads((ann / "supervision_25pct.json").read_text())
    assert len(sup["mask"]) == 2 and sorted(sup["mask"] + sup["box"]) == list(range(8))
    semi = json.loads((ann / "semi_50pct.json").read_text())
    assert len(semi["labeled_image_ids"]) == 2  # 4 train images


def test_make_synthref_cli(tmp_path):
    out = run(
        "tools/data/make_synthref.py", "--out", tmp_path / "s", "--preset", "tiny", "--workers", "1"
    )
    assert "40 images" in out and (tmp_path / "s" / "refs(synth).p").is_file()


class _Payload:
    """Unpickling it creates ``marker`` (pickled as builtins.open)."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_refs_to_json_refuses_an_unsafe_pickle_with_a_clear_message(tmp_path):
    refs, marker = tmp_path / "refs(unc).p", tmp_path / "EXECUTED"
    refs.write_bytes(pickle.dumps([{"ref_id": 1, "payload": _Payload(marker)}], protocol=2))
    proc = subprocess.run(
        [sys.executable, "tools/data/refs_to_json.py", str(refs)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert f"cannot convert {refs}" in proc.stderr and "io.open" in proc.stderr
    assert "Traceback" not in proc.stderr and "tools/data/refs_to_json.py" not in proc.stderr
    assert not marker.exists() and not (tmp_path / "refs(unc).json").exists()
    refs.write_bytes(b"\x80\x02]q\x00(")  # truncated
    proc = subprocess.run(
        [sys.executable, "tools/data/refs_to_json.py", str(refs)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "not a valid pickle" in proc.stderr
