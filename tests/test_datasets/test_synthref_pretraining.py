"""Mask-free pretraining targets: image-level attribute labels and MLM corruption."""

from __future__ import annotations

import pytest
import torch

from risseg.datasets.synthref.pretraining import attribute_targets, mask_tokens


def test_attribute_targets_mark_shapes_colours_and_pairs():
    attrs = {
        "images": [
            {
                "image_id": 7,
                "objects": [
                    {"shape": "circle", "colour": "red"},
                    {"shape": "square", "colour": "blue"},
                ],
            },
            {"image_id": 9, "objects": [{"shape": "circle", "colour": "blue"}]},
        ]
    }
    ids, targets, names = attribute_targets(attrs)
    assert ids == [7, 9]
    on = [{names[k] for k in range(len(names)) if targets[i, k]} for i in range(2)]
    assert on[0] == {
        "shape:circle",
        "shape:square",
        "colour:red",
        "colour:blue",
        "pair:red circle",
        "pair:blue square",
    }
    assert on[1] == {"shape:circle", "colour:blue", "pair:blue circle"}
    assert len(names) == 2 + 2 + 4  # 2 shapes, 2 colours, every pair


def test_attribute_targets_rejects_a_file_without_images():
    with pytest.raises(ValueError, match="images"):
        attribute_targets({"refs": []})


def test_mask_tokens_corrupts_only_real_tokens_and_labels_the_chosen_ones():
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(3, 50, (64, 12), generator=gen)
    mask = torch.zeros(64, 12, dtype=torch.bool)
    mask[:, :5] = True
    ids[~mask] = 0
    out, labels = mask_tokens(ids, mask, mask_id=60, num_words=50, prob=0.3, generator=gen)
    chosen = labels != -100
    assert not (chosen & ~mask).any()  # padding is never chosen
    assert chosen.any(dim=1).all()  # every sequence contributes to the loss
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(out[~chosen], ids[~chosen])
    frac_masked = (out[chosen] == 60).float().mean().item()
    assert 0.6 < frac_masked < 0.95  # about 80 % become [MASK]


def test_mask_tokens_rejects_empty_sequences():
    ids = torch.zeros(2, 4, dtype=torch.long)
    mask = torch.tensor([[True, False, False, False], [False] * 4])
    with pytest.raises(ValueError, match="real token"):
        mask_tokens(ids, mask, mask_id=9, num_words=8)
