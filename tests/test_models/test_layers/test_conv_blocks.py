"""coord_map: values, and the layout that keeps a concatenation channels-last."""

import torch

from risseg.models.layers import coord_map


def test_coordinates_span_minus_one_to_one_with_x_first():
    grid = coord_map(torch.zeros(2, 5, 3, 4))
    assert grid.shape == (2, 2, 3, 4)
    assert torch.equal(grid[0, 0, 0], torch.linspace(-1, 1, 4))  # x along the width
    assert torch.equal(grid[1, 1, :, 0], torch.linspace(-1, 1, 3))  # y along the height


def test_concatenation_keeps_the_layout_of_the_input():
    x = torch.randn(2, 5, 3, 4)
    assert torch.cat([x, coord_map(x)], 1).is_contiguous()
    x_cl = x.contiguous(memory_format=torch.channels_last)
    cat = torch.cat([x_cl, coord_map(x_cl)], 1)
    assert cat.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(cat, torch.cat([x, coord_map(x)], 1))
