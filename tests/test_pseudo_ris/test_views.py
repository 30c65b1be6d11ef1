"""Crop views on hand-made masks."""

import numpy as np
import pytest
import torch

from risseg.pseudo_ris.views import crop_views, enlarge, mask_boxes

MEAN, STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)  # normalised value = 2 * pixel - 1


def image_and_mask():
    img = np.zeros((20, 30, 3), np.uint8)
    img[..., 0] = np.arange(30, dtype=np.uint8)[None] * 8  # red ramp along x
    img[..., 1] = 255
    mask = np.zeros((1, 20, 30), bool)
    mask[0, 4:8, 10:20] = True  # a 10 x 4 box: x 10..19, y 4..7
    mask[0, 5, 12] = False  # a hole inside the box
    return img, mask


def test_boxes_have_exclusive_ends():
    _, mask = image_and_mask()
    assert mask_boxes(torch.from_numpy(mask)).tolist() == [[10.0, 4.0, 20.0, 8.0]]
    assert enlarge((10, 4, 20, 8), 1.2, 20, 30) == (9, 3, 21, 9)  # +1 px each side in x
    assert enlarge((0, 0, 10, 10), 1.2, 20, 30)[:2] == (0, 0)  # clipped to the image


def test_masked_view_is_padded_square_with_the_mean_outside_the_mask():
    img, mask = image_and_mask()
    views = crop_views(img, mask, size=10, margins=(1.0, 1.0), mean=MEAN, std=STD)
    assert views.shape == (2, 1, 3, 10, 10)
    masked, plain = views[0, 0], views[1, 0]
    # 10 x 4 box -> 10 x 10 square: 3 padding rows on top, 3 at the bottom
    assert torch.allclose(masked[:, :3], torch.zeros(3, 3, 10))
    assert torch.allclose(masked[:, 7:], torch.zeros(3, 3, 10))
    inside = torch.ones(4, 10)
    inside[1, 2] = 0.0  # the hole (y 5, x 12) gets the mean: 0 after normalisation
    assert torch.allclose(masked[1, 3:7], inside)  # green 255 -> 1 inside the mask
    assert torch.allclose(plain[1, 4, 2], torch.tensor(1.0))  # the unmasked view keeps it
    expected_red = torch.arange(10, 20).float() * 8 / 255 * 2 - 1
    assert torch.allclose(plain[0, 3], expected_red, atol=1e-5)


def test_release_padding_writes_the_mean_vector_and_margins_grow_the_crop():
    img, mask = image_and_mask()
    views = crop_views(
        img, mask, size=12, margins=(1.0, 1.2), mean=(0.4, 0.5, 0.6), std=STD, pad="release"
    )
    assert torch.allclose(views[0, 0, :, 0, 0], torch.tensor([0.4, 0.5, 0.6]))
    # margin 1.2 of a 10 x 4 box: 12 x 6 crop (x 9..20, y 3..8), square 12: rows 3..8 image
    red = (torch.arange(9, 21).float() * 8 / 255 - 0.4) / 0.5
    assert torch.allclose(views[1, 0, 0, 3], red, atol=1e-5)
    assert torch.allclose(views[1, 0, :, 0, 0], torch.tensor([0.4, 0.5, 0.6]))


def test_bad_pad_and_empty_mask_are_refused():
    img, mask = image_and_mask()
    with pytest.raises(ValueError, match="pad"):
        crop_views(img, mask, size=8, pad="zeros")
    with pytest.raises(ValueError, match="empty mask"):
        crop_views(img, np.zeros_like(mask), size=8)
