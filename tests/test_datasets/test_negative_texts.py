"""NegativeTextDataset: negatives from the same image, else random refs, never the ref's own."""

from __future__ import annotations

import numpy as np
import pytest

from risseg.datasets import NegativeTextDataset, ReferDataset


def _wrap(root, **kwargs):
    inner = ReferDataset(str(root), "refcoco", "unc", "train", img_prefix="images", **kwargs)
    return NegativeTextDataset(inner, num_negatives=3)


def _texts_of(ds, ref_id):
    return next(
        ds.dataset.get_data_info(i)["texts"]
        for i in range(len(ds))
        if ds.dataset.get_data_info(i)["ref_id"] == ref_id
    )


def test_negatives_come_from_the_other_refs_of_the_image(refer_root):
    ds = _wrap(refer_root)
    np.random.seed(0)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    by_ref = {info["ref_id"]: info for info in infos}
    assert by_ref[1]["neg_texts"] == _texts_of(ds, 2) * 3  # image 1 holds refs 1 and 2 only
    assert set(by_ref[2]["neg_texts"]) <= set(_texts_of(ds, 1))
    assert set(by_ref[4]["neg_texts"]) <= set(_texts_of(ds, 3))
    for info in infos:
        assert len(info["neg_texts"]) == 3 and not set(info["neg_texts"]) & set(info["texts"])


def test_a_lone_ref_gets_random_sentences_of_other_refs(refer_root):
    ds = _wrap(refer_root)
    lone = next(i for i in range(len(ds)) if ds.dataset.get_data_info(i)["ref_id"] == 11)
    np.random.seed(1)
    negs = ds.get_data_info(lone)["neg_texts"]
    assert len(negs) == 3 and "Object 11, sentence 0." not in negs


def test_items_carry_the_negatives_through_the_pipeline(refer_root):
    pipeline = [
        dict(type="LoadImage"),
        dict(type="SelectSentence"),
        dict(type="PackRISInputs", meta_keys=("ref_id", "text", "neg_texts")),
    ]
    ds = _wrap(refer_root, pipeline=pipeline)
    item = ds[0]
    assert len(item["data_samples"].metainfo["neg_texts"]) == 3
    assert len(ds) == 5 and ds.metainfo == ds.dataset.metainfo


def test_bad_arguments_are_refused(refer_root):
    inner = ReferDataset(
        str(refer_root), "refcoco", "unc", "val", img_prefix="images", test_mode=True
    )
    with pytest.raises(ValueError, match="num_negatives"):
        NegativeTextDataset(inner, num_negatives=0)
