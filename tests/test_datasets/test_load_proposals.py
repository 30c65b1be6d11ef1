import numpy as np
import pytest
import torch

from risseg.datasets.transforms import LoadProposals
from risseg.structures import RISDataSample
from risseg.utils.proposal_io import encode_masks, write_json_atomic


def _write(tmp_path, masks, image_id=5):
    h, w = masks.shape[1:]
    write_json_atomic(
        tmp_path / f"{image_id}.json",
        dict(
            image_id=image_id,
            height=h,
            width=w,
            masks=encode_masks(masks),
            scores=[1.0] * len(masks),
        ),
    )


def _results(**meta):
    base = dict(image_id=5, ori_shape=(4, 6), img_shape=(8, 12))
    base.update(meta)
    return dict(
        inputs=torch.zeros(3, 8, 12, dtype=torch.uint8), data_samples=RISDataSample(metainfo=base)
    )


def test_resize_flip_and_pad(tmp_path):
    m = np.zeros((1, 4, 6), bool)
    m[0, 0, 0] = True  # top-left pixel
    _write(tmp_path, m)
    out = LoadProposals(str(tmp_path))(_results())["data_samples"].proposals.data
    assert out.shape == (1, 8, 12) and out.dtype == torch.bool
    assert out[0, :2, :2].all() and out.sum() == 4
    out = LoadProposals(str(tmp_path))(_results(flip=True, pad_shape=(10, 14), img_offset=(1, 2)))[
        "data_samples"
    ]
    data = out.proposals.data
    assert data.shape == (1, 10, 14)
    assert data[0, 2:4, 11:13].all() and data.sum() == 4  # flipped to the right, offset


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="image 5"):
        LoadProposals(str(tmp_path))(_results())
    out = LoadProposals(str(tmp_path), allow_missing=True)(_results())["data_samples"]
    assert out.proposals.data.shape == (0, 8, 12)


def test_size_mismatch_is_an_error(tmp_path):
    _write(tmp_path, np.zeros((1, 5, 5), bool))
    with pytest.raises(ValueError, match="image 5"):
        LoadProposals(str(tmp_path))(_results())
