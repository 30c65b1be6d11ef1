"""Overlays and grids of risseg.utils.drawing."""
from __future__ import annotations

import numpy as np
import pytest

from risseg.utils.drawing import GT_COLOUR, PRED_COLOUR, draw_prediction, tile


def test_masks_are_blended_and_points_drawn():
    image = np.zeros((10, 10, 3), np.uint8)
    pred = np.zeros((10, 10), bool)
    pred[:5] = True
    gt = np.zeros((10, 10), bool)
    gt[:, :5] = True
    out = draw_prediction(image, pred, gt, alpha=1.0, dim=1)
    assert tuple(out[7, 2]) == GT_COLOUR and tuple(out[2, 7]) == PRED_COLOUR
    assert tuple(out[7, 7]) == (0, 0, 0)
    big = draw_prediction(image, points=[[1, 1], [8, 8], [-1, -1]], box=[0, 0, 9, 9], scale=3)
    assert big.shape == (30, 30, 3)
    assert tuple(big[3, 3]) == (255, 255, 255)  # the first point is white
    assert big[24, 24, 2] < 255 and big[24, 24, 0] == 255  # the last one yellow


def test_tile_fits_images_of_any_size():
    grid = tile([np.full((4, 8, 3), 200, np.uint8), np.full((8, 4, 3), 100, np.uint8),
                 np.full((8, 8, 3), 50, np.uint8)], columns=2, cell=16)
    assert grid.shape == (32, 32, 3)
    assert grid[0, 0, 0] == 200 and grid[15, 0, 0] == 0  # letterboxed: 16 x 8
    assert grid[0, 16, 0] == 100 and grid[0, 26, 0] == 0  # 8 x 16 in the second cell
    assert grid[20, 4, 0] == 50 and grid[20, 20, 0] == 0  # third cell full, fourth blank
    with pytest.raises(ValueError):
        tile([], columns=2)
