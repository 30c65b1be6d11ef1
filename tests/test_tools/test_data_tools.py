"""The dataset-preparation scripts under tools/data, run as a user would."""
import json
import pickle
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout


def test_refs_to_json_and_supervision_subsets(tmp_path):
    ann = tmp_path / "refcoco"
    ann.mkdir()
    refs = [dict(ref_id=i, ann_id=i, image_id=i // 2, split="train" if i < 8 else "val",
                 sentences=[dict(raw=f"thing {i}", sent=f"thing {i}", sent_id=i)],
                 tags={"x"}, pair=(1, 2)) for i in range(10)]
    (ann / "refs(unc).p").write_bytes(pickle.dumps(refs, protocol=2))
    run("tools/data/refs_to_json.py", ann / "refs(unc).p")
    converted = json.loads((ann / "refs(unc).json").read_text())
    assert converted[3]["sentences"][0]["raw"] == "thing 3" and converted[3]["pair"] == [1, 2]

    out = run("tools/data/make_supervision_subsets.py", "--data-root", tmp_path,
              "--dataset", "refcoco", "--split-by", "unc", "--ratios", "0.25", "0.5")
    assert "25%" in out
    sup = json.loads((ann / "supervision_25pct.json").read_text())
    assert len(sup["mask"]) == 2 and sorted(sup["mask"] + sup["box"]) == list(range(8))
    semi = json.loads((ann / "semi_50pct.json").read_text())
    assert len(semi["labeled_image_ids"]) == 2  # 4 train images


def test_make_synthref_cli(tmp_path):
    out = run("tools/data/make_synthref.py", "--out", tmp_path / "s", "--preset", "tiny",
              "--workers", "1")
    assert "40 images" in out and (tmp_path / "s" / "refs(synth).p").is_file()
