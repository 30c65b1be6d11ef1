"""ChainLabeler: labelers applied in order."""

from __future__ import annotations

import pytest
import torch
from mmengine.structures import PixelData

from risseg.labelers import ChainLabeler, ThresholdRefineLabeler
from risseg.labelers.base import BasePseudoLabeler
from risseg.testing import PseudoLabelerContract


class HalfMap(BasePseudoLabeler):
    """Writes a response map: 0.8 on the left half of the frame, 0.2 elsewhere."""

    def forward(self, inputs, data_samples):
        h, w = inputs.shape[-2:]
        for s in data_samples:
            prob = torch.full((1, h, w), 0.2)
            prob[..., : w // 2] = 0.8
            s.response_map = PixelData(data=prob)
        return data_samples


class TestChainLabeler(PseudoLabelerContract):
    cfg = dict(module=lambda: ChainLabeler([HalfMap(), dict(type="ThresholdRefineLabeler")]))


def test_the_second_labeler_reads_what_the_first_wrote():
    chain = ChainLabeler([HalfMap(), ThresholdRefineLabeler(thr=0.5)])
    inputs, samples = TestChainLabeler().make_batch()
    out = chain(inputs, samples)
    mask = out[0].pseudo_mask.data[0]
    assert mask[:, : mask.shape[1] // 2].all() and not mask[:, mask.shape[1] // 2 :].any()
    assert chain.output == "pseudo_mask"


def test_an_empty_chain_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        ChainLabeler([])
