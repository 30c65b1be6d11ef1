"""A config-style pipeline resolves risseg's transforms (not mmcv's namesakes) by scope."""

from __future__ import annotations

import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

import risseg.datasets.transforms  # noqa: F401  (registers the transforms)
from risseg.structures import RISDataSample


def test_pipeline_builds_in_risseg_scope():
    pipeline = [
        dict(type="Resize", scale=(32, 24), keep_ratio=True),
        dict(type="RandomFlip", prob=1.0),
        dict(type="Pad", size_divisor=16),
        dict(
            type="TokenizeText",
            tokenizer=dict(type="WordVocabTokenizer", vocab=["left"]),
            max_length=4,
        ),
        dict(type="PackRISInputs"),
    ]
    with DefaultScope.overwrite_default_scope("risseg"):
        compose = Compose(pipeline)
    mask = np.zeros((12, 20), bool)
    mask[2:6, 1:5] = True
    out = compose(dict(img=np.zeros((12, 20, 3), np.uint8), gt_mask=mask, text="the left cat"))
    sample = out["data_samples"]
    assert isinstance(sample, RISDataSample)
    assert out["inputs"].shape == (3, 32, 32)
    assert sample.text == "the right cat" and sample.flip is True
    assert sample.text_ids.tolist() == [1, 1, 1, 0]  # "right" is not in this vocabulary
    assert sample.img_shape == (19, 32) and sample.pad_shape == (32, 32)
    assert sample.gt_mask.data.shape == (1, 32, 32)
