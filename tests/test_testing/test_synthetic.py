import torch
from mmengine.dataset import pseudo_collate

from risseg.testing import COLOURS, SyntheticRISDataset, demo_ris_inputs, hash_tokenize


def test_items_follow_the_packed_contract():
    item = SyntheticRISDataset(num_samples=3, image_size=(24, 40))[1]
    img, sample = item["inputs"], item["data_samples"]
    assert img.shape == (3, 24, 40) and img.dtype == torch.uint8
    assert sample.gt_mask.data.shape == (1, 24, 40) and sample.gt_mask.data.dtype == torch.bool
    assert sample.gt_bbox.shape == (4,)
    assert sample.text_ids.dtype == torch.int64 and sample.text_mask.dtype == torch.bool
    for key in (
        "text",
        "ori_shape",
        "img_shape",
        "pad_shape",
        "img_offset",
        "scale_factor",
        "flip",
        "ref_id",
        "sent_id",
    ):
        assert key in sample.metainfo


def test_samples_are_deterministic_and_text_matches_the_mask_colour():
    ds = SyntheticRISDataset(num_samples=4, num_objects=3, seed=5)
    a, b = ds[2], ds[2]
    assert torch.equal(a["inputs"], b["inputs"])
    sample = a["data_samples"]
    colour = sample.text.split()[1]
    mask = sample.gt_mask.data[0]
    assert mask.any(), "the referred object of this seeded sample is visible"
    pixels = a["inputs"][:, mask]  # (3, N)
    assert (pixels == torch.tensor(COLOURS[colour])[:, None]).all()


def test_hash_tokenize_pads_and_truncates():
    ids, mask = hash_tokenize("the red square", max_len=5)
    assert mask.tolist() == [True, True, True, False, False]
    assert ids[3:].tolist() == [0, 0]
    ids2, _ = hash_tokenize("the red square on the left", max_len=2)
    assert ids2.tolist() == ids[:2].tolist()


def test_demo_inputs_are_a_collated_batch():
    batch = demo_ris_inputs(batch_size=3)
    assert len(batch["inputs"]) == 3 and len(batch["data_samples"]) == 3
    ds = SyntheticRISDataset(num_samples=3)
    collated = pseudo_collate([ds[i] for i in range(3)])
    assert all(torch.equal(x, y) for x, y in zip(collated["inputs"], batch["inputs"], strict=True))
