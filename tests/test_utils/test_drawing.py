"""Array helpers of risseg.utils.drawing: upscaling, outlines, caption wrapping, grids."""

from __future__ import annotations

import numpy as np
import pytest

from risseg.utils.drawing import mask_outlines, tile, upscale, upscale_factor, wrap_caption


def test_upscale_reaches_the_smallest_side_with_an_integer_factor():
    assert upscale_factor(128, 100, 384) == 3
    assert upscale_factor(129, 100, 384) == 3 and upscale_factor(127, 100, 384) == 4
    assert upscale_factor(640, 480, 384) == 1
    big = upscale(np.arange(4).reshape(2, 2), 3)
    assert big.shape == (6, 6) and big[2, 2] == 0 and big[3, 3] == 3


def test_outlines_follow_each_region():
    mask = np.zeros((20, 20), bool)
    mask[2:6, 2:8] = True
    mask[10:18, 10:18] = True
    mask[0, 19] = True  # a single pixel is dropped
    outlines = sorted(mask_outlines(mask), key=lambda p: p[:, 0].min())
    assert len(outlines) == 2
    (x0, y0), (x1, y1) = outlines[0].min(axis=0), outlines[0].max(axis=0)
    assert (x0, y0, x1, y1) == (2.5, 2.5, 7.5, 5.5)  # through the boundary pixels' centres


def test_captions_wrap_to_the_width():
    lines = wrap_caption("the big red star left of the small blue circle", 120, 12)
    assert len(lines) > 1 and all(len(line) <= 120 / (0.55 * 12) for line in lines)
    assert wrap_caption("", 100, 12) == [""]


def test_tile_fits_images_of_any_size():
    grid = tile(
        [
            np.full((4, 8, 3), 200, np.uint8),
            np.full((8, 4, 3), 100, np.uint8),
            np.full((8, 8, 3), 50, np.uint8),
        ],
        columns=2,
        cell=16,
    )
    assert grid.shape == (32, 32, 3)
    assert grid[0, 0, 0] == 200 and grid[15, 0, 0] == 0  # letterboxed: 16 x 8
    assert grid[0, 16, 0] == 100 and grid[0, 26, 0] == 0  # 8 x 16 in the second cell
    assert grid[20, 4, 0] == 50 and grid[20, 20, 0] == 0  # third cell full, fourth blank
    wide = tile(
        [np.full((4, 8, 3), 200, np.uint8)] * 2,
        columns=2,
        cell=(16, 8),
        background=(9, 9, 9),
        gap=2,
    )
    assert wide.shape == (8, 34, 3) and wide[0, 16, 0] == 9 and wide[0, 18, 0] == 200
    with pytest.raises(ValueError):
        tile([], columns=2)
