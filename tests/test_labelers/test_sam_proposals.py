"""MaskProposalLabeler over any mask generator, and the resumable proposal driver."""

import json

import pytest
import torch

from risseg.apis import generate_proposals
from risseg.foundation import HFSam2Generator, SegmentAnythingGenerator
from risseg.labelers import MaskProposalLabeler, SynthProposalLabeler
from risseg.registry import LABELERS
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract
from risseg.testing.tiny_sam import tiny_hf_sam2, tiny_segment_anything
from risseg.utils.proposal_io import read_proposals

# Accept every mask a random SAM produces, with few prompts, so the test is fast.
LOOSE = dict(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)


def sam_generator() -> SegmentAnythingGenerator:
    return SegmentAnythingGenerator(sam=tiny_segment_anything(), amg_cfg=LOOSE)


class TestMaskProposalLabeler(PseudoLabelerContract):
    cfg = dict(
        module=lambda: LABELERS.build(
            dict(
                type="MaskProposalLabeler",
                mask_generator=dict(
                    type="SegmentAnythingGenerator", sam=tiny_segment_anything(), amg_cfg=LOOSE
                ),
            )
        )
    )


class TestMaskProposalLabelerHFSam2(PseudoLabelerContract):
    cfg = dict(
        module=lambda: MaskProposalLabeler(
            HFSam2Generator(
                *tiny_hf_sam2(),
                amg_cfg=dict(points_per_crop=4, pred_iou_thresh=0.0, stability_score_thresh=0.0),
            )
        )
    )


def test_proposals_are_the_generators_masks_best_first():
    gen = sam_generator()
    inputs, samples = TestMaskProposalLabeler().make_batch()
    masks, scores = gen.generate(inputs[0].permute(1, 2, 0).numpy())
    out = MaskProposalLabeler(gen, max_proposals=3)(inputs, samples)[0]
    assert torch.equal(out.proposals.data, masks[:3])
    assert out.metainfo["proposal_scores"] == [float(s) for s in scores[:3]]


def test_needs_a_mask_generator():
    with pytest.raises(ValueError, match="mask_generator"):
        MaskProposalLabeler(None)


class _ImageDataset:
    """Three images (ids 10, 11, 12), the first listed twice as two refs."""

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.images = {
            i: torch.randint(0, 256, (3, 24, 32), generator=g, dtype=torch.uint8)
            for i in (10, 11, 12)
        }
        self.images[11][:, 4:16, 4:20] = torch.tensor([200, 30, 30])[:, None, None]
        self.order = [10, 10, 11, 12]
        self.loaded = []

    def __len__(self):
        return len(self.order)

    def get_data_info(self, i):
        return dict(image_id=self.order[i])

    def __getitem__(self, i):
        image_id = self.order[i]
        self.loaded.append(image_id)
        s = RISDataSample(metainfo=dict(image_id=image_id, img_shape=(24, 32), ori_shape=(24, 32)))
        return dict(inputs=self.images[image_id], data_samples=s)


class _Interrupting(SynthProposalLabeler):
    def __init__(self, fail_after: int):
        super().__init__()
        self.calls, self.fail_after = 0, fail_after

    def forward(self, inputs, data_samples):
        if self.calls == self.fail_after:
            raise KeyboardInterrupt
        self.calls += 1
        return super().forward(inputs, data_samples)


def test_generate_resumes_after_interruption(tmp_path):
    ds = _ImageDataset()
    with pytest.raises(KeyboardInterrupt):
        generate_proposals(ds, _Interrupting(fail_after=1), tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["10.json"]  # no partial/tmp file
    ds.loaded.clear()
    counts = generate_proposals(ds, SynthProposalLabeler(), tmp_path, progress=False)
    assert counts == dict(done=2, skipped=1, total=3)
    assert ds.loaded == [11, 12]  # the finished image was not recomputed
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["image_ids"] == [10, 11, 12]
    masks, scores = read_proposals(tmp_path, 11)
    assert masks.shape[1:] == (24, 32) and len(scores) == len(masks) >= 1
    with pytest.raises(FileNotFoundError, match="99"):
        read_proposals(tmp_path, 99)


def test_sharding_partitions_images(tmp_path):
    ds = _ImageDataset()
    a = generate_proposals(ds, SynthProposalLabeler(), tmp_path, 0, 2, progress=False)
    b = generate_proposals(ds, SynthProposalLabeler(), tmp_path, 1, 2, progress=False)
    assert a["total"] + b["total"] == 3 and a["done"] == 2 and b["done"] == 1
    assert json.loads((tmp_path / "index.json").read_text())["num_images"] == 3


def test_sam_through_driver(tmp_path):
    ds = _ImageDataset()
    labeler = MaskProposalLabeler(sam_generator(), max_proposals=5)
    generate_proposals(ds, labeler, tmp_path, progress=False)
    masks, scores = read_proposals(tmp_path, 12)
    assert masks.dtype == bool and masks.shape[1:] == (24, 32) and len(masks) <= 5
