import json
from functools import partial

import pytest
import torch
from segment_anything.modeling import (
    ImageEncoderViT,
    MaskDecoder,
    PromptEncoder,
    Sam,
    TwoWayTransformer,
)

from risseg.apis import generate_proposals
from risseg.labelers import SAMProposalLabeler, SynthProposalLabeler
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract
from risseg.utils.proposal_io import read_proposals

# Accept every mask a random SAM produces, with few prompts, so the test is fast.
LOOSE = dict(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)


def tiny_sam(img_size: int = 64, dim: int = 16) -> Sam:
    """A randomly initialised SAM with SAM's own classes, a few thousand parameters."""
    torch.manual_seed(0)
    grid = img_size // 16
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=img_size,
            patch_size=16,
            embed_dim=dim,
            depth=1,
            num_heads=1,
            mlp_ratio=1.0,
            out_chans=dim,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            window_size=0,
            global_attn_indexes=(),
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=dim,
            image_embedding_size=(grid, grid),
            input_image_size=(img_size, img_size),
            mask_in_chans=4,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=1, embedding_dim=dim, mlp_dim=16, num_heads=1),
            transformer_dim=dim,
            iou_head_depth=1,
            iou_head_hidden_dim=8,
        ),
    )


class TestSAMProposalLabeler(PseudoLabelerContract):
    cfg = dict(module=lambda: SAMProposalLabeler(sam=tiny_sam(), generator_cfg=LOOSE))


def test_needs_model_or_checkpoint():
    with pytest.raises(ValueError, match="checkpoint"):
        SAMProposalLabeler()


def test_local_checkpoint(tmp_path, monkeypatch):
    from segment_anything import sam_model_registry

    path = tmp_path / "sam.pth"
    torch.save(tiny_sam().state_dict(), path)
    seen = []

    def build_tiny(checkpoint=None):
        seen.append(checkpoint)
        sam = tiny_sam()
        sam.load_state_dict(torch.load(checkpoint))
        return sam

    monkeypatch.setitem(sam_model_registry, "tiny", build_tiny)
    labeler = SAMProposalLabeler(checkpoint=str(path), model_type="tiny", generator_cfg=LOOSE)
    assert seen == [str(path)] and not labeler.sam.training


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
    labeler = SAMProposalLabeler(sam=tiny_sam(), generator_cfg=LOOSE, max_proposals=5)
    generate_proposals(ds, labeler, tmp_path, progress=False)
    masks, scores = read_proposals(tmp_path, 12)
    assert masks.dtype == bool and masks.shape[1:] == (24, 32) and len(masks) <= 5
