import numpy as np
import torch

from risseg.labelers import SynthProposalLabeler
from risseg.testing import PseudoLabelerContract


def _scene():
    rng = np.random.default_rng(0)
    img = np.full((64, 64, 3), 120, np.float32) + rng.normal(0, 10, (64, 64, 3))
    a = np.zeros((64, 64), bool)
    a[8:28, 8:30] = True
    b = np.zeros((64, 64), bool)
    yy, xx = np.mgrid[:64, :64]
    b[(yy - 44) ** 2 + (xx - 42) ** 2 < 12**2] = True
    img[a] = (220, 40, 40) + rng.normal(0, 10, (a.sum(), 3))
    img[b] = (40, 60, 220) + rng.normal(0, 10, (b.sum(), 3))
    return np.clip(img, 0, 255).astype(np.uint8), [a, b]


def test_finds_each_flat_coloured_object():
    img, objects = _scene()
    props, scores = SynthProposalLabeler().propose(img)
    assert props.dtype == bool and len(scores) == len(props) >= 2
    for obj in objects:
        ious = (props & obj).sum((1, 2)) / (props | obj).sum((1, 2))
        assert ious.max() > 0.85


def test_background_only_gives_no_proposal():
    rng = np.random.default_rng(1)
    img = np.clip(120 + rng.normal(0, 10, (64, 64, 3)), 0, 255).astype(np.uint8)
    props, _ = SynthProposalLabeler(dict(type="ColourRegionGenerator", max_area_frac=0.5)).propose(
        img
    )
    assert len(props) == 0


class TestSynthProposalLabeler(PseudoLabelerContract):
    cfg = dict(type="SynthProposalLabeler")

    def test_crops_to_img_shape(self):
        inputs, samples = self.make_batch()
        samples[1].set_metainfo(dict(img_shape=(20, 30)))
        out = self.build()(inputs, samples)
        assert out[1].proposals.data.shape[1:] == (20, 30)
        assert out[0].proposals.data.shape[1:] == self.size
        assert torch.is_tensor(out[0].proposals.data)


def test_is_the_colour_region_generator_behind_the_proposal_labeler():
    from risseg.foundation import ColourRegionGenerator
    from risseg.labelers import MaskProposalLabeler

    img, _ = _scene()
    gen = ColourRegionGenerator(min_area=30)
    a = SynthProposalLabeler(gen).propose(img)
    b = MaskProposalLabeler(dict(type="ColourRegionGenerator", min_area=30)).propose(img)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1] and isinstance(a[1][0], float)
