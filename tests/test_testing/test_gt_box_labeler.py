"""risseg.testing.GTBoxLabeler: the labeler contract, and what the drivers refuse."""

import pytest
import torch

from risseg.apis.pseudo_labels import generate_pseudo_masks
from risseg.registry import LABELERS
from risseg.testing import PseudoLabelerContract


class TestGTBoxLabeler(PseudoLabelerContract):
    cfg = dict(type="GTBoxLabeler")

    def test_mask_is_the_box_and_empty_boxes_are_not_kept(self):
        inputs, samples = self.make_batch()
        samples[1].gt_bbox = torch.tensor([5.0, 5.0, 5.0, 9.0])  # no width
        out = self.build()(inputs, samples)
        assert torch.equal(out[0].pseudo_mask.data, out[0].gt_mask.data)
        assert out[0].pseudo_keep and not out[1].pseudo_keep


def test_mask_driver_refuses_a_proposal_labeler(tmp_path):
    labeler = LABELERS.build(
        dict(type="SynthProposalLabeler", mask_generator=dict(type="ColourRegionGenerator"))
    )
    with pytest.raises(TypeError, match="not pseudo masks"):
        generate_pseudo_masks([], labeler, tmp_path / "x.json")
