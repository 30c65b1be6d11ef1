import pytest
from mmengine.dataset import BaseDataset, ConcatDataset

from risseg.datasets import SemiSupervisedSampler


class _Toy(BaseDataset):
    def __init__(self, n, tag):
        self.n, self.tag = n, tag
        super().__init__(serialize_data=False, lazy_init=False)

    def load_data_list(self):
        return [dict(i=i, tag=self.tag) for i in range(self.n)]


def _concat(n_lab=3, n_unl=10):
    return ConcatDataset([_Toy(n_lab, "l"), _Toy(n_unl, "u")])


def test_batches_mix_sources_and_epoch_covers_unlabeled():
    ds = _concat()
    sampler = SemiSupervisedSampler(ds, batch_size=4, num_labeled=1, seed=0)
    idx = list(sampler)
    assert len(idx) == len(sampler) == 4 * 4  # ceil(10 / 3) = 4 batches
    for b in range(4):
        batch = idx[4 * b : 4 * b + 4]
        assert batch[0] < 3 and all(i >= 3 for i in batch[1:])
    assert set(idx[i] for i in range(len(idx)) if i % 4) == set(range(3, 13))
    assert [ds[i]["tag"] for i in idx[:4]] == ["l", "u", "u", "u"]


def test_deterministic_and_reshuffled_per_epoch():
    ds = _concat()
    a = SemiSupervisedSampler(ds, 4, 2, seed=1)
    b = SemiSupervisedSampler(ds, 4, 2, seed=1)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    assert len(SemiSupervisedSampler(ds, 4, 2, epoch_length=7, seed=0)) == 28


def test_bad_arguments():
    with pytest.raises(TypeError):
        SemiSupervisedSampler(_Toy(3, "l"), 4, 1)
    with pytest.raises(ValueError):
        SemiSupervisedSampler(_concat(), 4, 4)
    with pytest.raises(ValueError, match="Empty"):
        SemiSupervisedSampler(_concat(0, 5), 4, 1)
