import torch

from risseg.models.data_preprocessor import RISDataPreprocessor
from risseg.structures import RISDataSample


def test_pads_to_batch_shape_and_records_it():
    pre = RISDataPreprocessor(mean=(0, 0, 0), std=(1, 1, 1), pad_size_divisor=32)
    imgs = [torch.full((3, 40, 50), 7, dtype=torch.uint8), torch.ones(3, 30, 60, dtype=torch.uint8)]
    samples = [RISDataSample(metainfo=dict(img_shape=(40, 50))) for _ in imgs]
    out = pre(dict(inputs=imgs, data_samples=samples))
    assert out["inputs"].shape == (2, 3, 64, 64)
    assert out["inputs"].dtype == torch.float32
    assert out["inputs"][0, 0, 0, 0] == 7 and out["inputs"][0, 0, 63, 63] == 0
    assert all(s.pad_shape == (64, 64) for s in out["data_samples"])


def test_normalises_with_mean_and_std():
    pre = RISDataPreprocessor(mean=(10, 10, 10), std=(2, 2, 2))
    out = pre(dict(inputs=[torch.full((3, 4, 4), 14, dtype=torch.uint8)], data_samples=None))
    assert torch.allclose(out["inputs"], torch.full((1, 3, 4, 4), 2.0))
