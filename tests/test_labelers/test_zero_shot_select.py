"""ZeroShotSelectLabeler: reverse blur on small arrays, the choices, the contract."""

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from risseg.foundation import OpenCLIPScorer
from risseg.labelers.zero_shot_select import ZeroShotSelectLabeler, reverse_blur
from risseg.testing import PseudoLabelerContract
from risseg.testing.tiny_open_clip import register_tiny_open_clip


def _scorer():
    register_tiny_open_clip()
    torch.manual_seed(0)
    return OpenCLIPScorer("risseg-tiny-clip-rn", None)


class CountingScorer(torch.nn.Module):
    """Scores a prompt by how many of its pixels are unblurred red (a hand-checkable CLIP)."""

    def encode_images(self, images):
        return torch.tensor([[float((np.asarray(i)[..., 0] == 230).sum()), 1.0] for i in images])

    def encode_texts(self, texts):
        return torch.tensor([[1.0, 0.0]] * len(texts))

    def similarity(self, img, txt, scale=False):
        return img @ txt.T / 1000.0


def _with_candidates(inputs, samples):
    h, w = inputs.shape[-2:]
    cand = torch.zeros(3, h, w, dtype=torch.bool)
    cand[0, : h // 4, : w // 4] = True  # background corner
    cand[1] = samples[0].gt_mask.data[0]  # the red block
    cand[2, h // 4 : h // 2, w // 4 : w // 4 + 2] = True  # a sliver of the block
    for s in samples:
        s.pseudo_instances = PixelData(data=cand.clone())
        s.set_metainfo(dict(texts=["the red block", "red square"]))
    return inputs, samples


class TestZeroShotSelect(PseudoLabelerContract):
    cfg = dict(module=lambda: ZeroShotSelectLabeler("reverse_blur", _scorer(), min_area=4))

    def make_batch(self, kind="random"):
        return _with_candidates(*super().make_batch(kind))


def test_reverse_blur_keeps_the_mask_and_blurs_the_rest():
    image = np.zeros((9, 9, 3), np.uint8)
    image[4, 4] = 255
    mask = np.zeros((9, 9), bool)
    mask[0, 0] = True
    out = reverse_blur(image, mask, sigma=1.0)
    assert out[0, 0].tolist() == [0, 0, 0]  # inside: original
    assert 0 < out[4, 4, 0] < 255 and out[4, 5, 0] > 0  # outside: the bright dot is spread
    assert np.array_equal(reverse_blur(image, ~mask | True, 1.0), image)


def test_reverse_blur_picks_the_candidate_clip_prefers_and_skips_small_ones():
    inputs, samples = _with_candidates(*TestZeroShotSelect().make_batch())
    out = ZeroShotSelectLabeler("reverse_blur", CountingScorer(), min_area=20)(inputs, samples)
    block = samples[0].gt_mask.data
    assert torch.equal(out[0].pseudo_mask.data, block)
    assert out[0].metainfo["pseudo_choice"] == 1 and out[0].metainfo["pseudo_keep"]
    # every candidate below min_area: empty and not kept
    out = ZeroShotSelectLabeler("reverse_blur", CountingScorer(), min_area=10**6)(inputs, samples)
    assert not out[0].pseudo_mask.data.any() and not out[0].metainfo["pseudo_keep"]


def test_other_choices():
    inputs, samples = _with_candidates(*TestZeroShotSelect().make_batch())
    assert ZeroShotSelectLabeler("first")(inputs, samples)[0].metainfo["pseudo_choice"] == 0
    best = ZeroShotSelectLabeler("best")(inputs, samples)[0]
    assert best.metainfo["pseudo_choice"] == 1 and best.metainfo["pseudo_score"] == 1.0
    torch.manual_seed(0)
    picks = {
        ZeroShotSelectLabeler("random")(inputs, samples)[0].metainfo["pseudo_choice"]
        for _ in range(30)
    }
    assert picks == {0, 1, 2}


def test_bgr_option_swaps_channels():
    class Spy(CountingScorer):
        def encode_images(self, images):
            self.seen = [np.asarray(i) for i in images]
            return super().encode_images(images)

    inputs, samples = _with_candidates(*TestZeroShotSelect().make_batch())
    spy = Spy()
    ZeroShotSelectLabeler("reverse_blur", spy, min_area=1, channel_order="BGR")(inputs, samples)
    inside = samples[0].gt_mask.data[0].numpy()
    assert spy.seen[1][inside][:, 2].tolist() == [230] * int(inside.sum())


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="choice must be"):
        ZeroShotSelectLabeler("nope")
    with pytest.raises(ValueError, match="needs a scorer"):
        ZeroShotSelectLabeler("reverse_blur")
