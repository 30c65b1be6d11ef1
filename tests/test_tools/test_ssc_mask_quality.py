"""tools/analysis/ssc_mask_quality.py: mIoU / oIoU of first and best candidates."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from risseg.utils.masks import mask_to_rle

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "analysis"))
from ssc_mask_quality import mask_quality  # noqa: E402


class Refs:
    """Two refs of a 4x4 image: GT = the top half, and the left half."""

    def __init__(self):
        top, left = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
        top[:2], left[:, :2] = True, True
        self.gts = {1: top, 2: left}

    def __len__(self):
        return 2

    def get_data_info(self, i):
        ref = i + 1
        return dict(ref_id=ref, height=4, width=4, segmentation=mask_to_rle(self.gts[ref]))


def test_first_and_best(tmp_path):
    refs = Refs()
    top, left = refs.gts[1], refs.gts[2]
    path = tmp_path / "seg.json"
    path.write_text(json.dumps({"1": [mask_to_rle(left), mask_to_rle(top)], "2": []}))
    first = mask_quality(refs, str(path), "first")
    # ref 1: left vs top -> 4 / 12; ref 2: no candidate -> 0 / 8
    assert first["mIoU"] == pytest.approx(100 * (4 / 12) / 2)
    assert first["oIoU"] == pytest.approx(100 * 4 / 20)
    assert first["empty"] == 1 and first["missing"] == 0
    best = mask_quality(refs, str(path), "best")
    assert best["mIoU"] == pytest.approx(50.0) and best["oIoU"] == pytest.approx(100 * 8 / 16)
    single = tmp_path / "sel.json"
    single.write_text(json.dumps({"1": mask_to_rle(top)}))
    out = mask_quality(refs, str(single))
    assert out["mIoU"] == pytest.approx(50.0) and out["missing"] == 1
