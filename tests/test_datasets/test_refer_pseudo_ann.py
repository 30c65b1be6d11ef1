"""ReferDataset(pseudo_ann_file=...): RPP pseudo masks make box-only refs mask-supervised."""

from __future__ import annotations

import json

import numpy as np
import pytest

from risseg.datasets import ReferDataset
from risseg.utils.masks import mask_to_rle, segmentation_to_mask

from .refer_fixture import H, W


def _dataset(root, **kwargs):
    return ReferDataset(str(root), "refcoco", "unc", "train", img_prefix="images", **kwargs)


def test_pseudo_masks_replace_box_only_refs(refer_root):
    folder = refer_root / "refcoco"
    (folder / "sup.json").write_text(json.dumps({"mask": [1], "default": "box"}))
    pseudo = np.zeros((H, W), bool)
    pseudo[3:9, 4:12] = True
    # ref 2 is box-only: gets the pseudo mask; ref 1 has a GT mask: keeps it
    (folder / "pseudo.json").write_text(
        json.dumps({"2": mask_to_rle(pseudo), "1": mask_to_rle(pseudo)})
    )
    ds = _dataset(
        refer_root,
        supervision_file="sup.json",
        pseudo_ann_file="pseudo.json",
        keep_supervision=["mask"],
    )
    entries = {e["ref_id"]: e for e in (ds.get_data_info(i) for i in range(len(ds)))}
    assert sorted(entries) == [1, 2]
    assert entries[2]["pseudo"] and entries[2]["supervision"] == "mask"
    np.testing.assert_array_equal(segmentation_to_mask(entries[2]["segmentation"], H, W), pseudo)
    assert not entries[1].get("pseudo", False)
    assert not np.array_equal(segmentation_to_mask(entries[1]["segmentation"], H, W), pseudo)


def test_missing_pseudo_file_is_named(refer_root):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        _dataset(refer_root, pseudo_ann_file="nope.json")
