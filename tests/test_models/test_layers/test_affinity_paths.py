"""Affinities along paths, affinity labels and loss, random-walk propagation."""

from __future__ import annotations

import pytest
import torch

from risseg.models.layers.affinity_paths import (
    IGNORE,
    affinity_labels,
    affinity_loss,
    edge_to_affinity,
    path_offsets,
    path_points,
    random_walk,
)


def test_offsets_cover_each_pair_once():
    offs = path_offsets(5)
    assert len(offs) == len(set(offs)) == 34  # 4 + 9 + 9 + 7 + 5 offsets in the half-plane
    assert all((-dy, -dx) not in offs for dy, dx in offs)
    assert all(0 < dy * dy + dx * dx < 25 for dy, dx in offs)


def test_path_points_of_axis_and_diagonal():
    assert path_points(0, 3) == ((0, 0), (0, 1), (0, 2), (0, 3))
    # every point closer than one pixel to the diagonal: |x - y| <= 1
    assert path_points(2, 2) == ((0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2))


def test_affinity_is_one_minus_the_path_maximum():
    edge = torch.zeros(1, 1, 5, 6)
    edge[0, 0, :, 3] = 0.8  # a vertical boundary at column 3
    aff = edge_to_affinity(edge, 3)
    k = path_offsets(3).index((0, 1))
    assert aff[0, k, 2, 0] == 1.0  # columns 0 -> 1: no boundary
    assert aff[0, k, 2, 2] == pytest.approx(0.2)  # columns 2 -> 3 crosses it
    assert aff[0, k, 2, 5] == 0.0  # the neighbour lies outside


def _dense_walk(x, edge, radius, beta, exp_times):
    """x (1 - edge) T^(2^exp_times) with the dense transition matrix, from the definition."""
    _, c, h, w = x.shape
    n = h * w
    a = torch.eye(n, dtype=torch.float64)
    e = edge[0, 0].double()
    for dy, dx in path_offsets(radius):
        for y in range(h):
            for xx in range(w):
                if 0 <= y + dy < h and 0 <= xx + dx < w:
                    m = max(e[y + py, xx + px] for py, px in path_points(dy, dx))
                    a[y * w + xx, (y + dy) * w + xx + dx] = 1 - m
                    a[(y + dy) * w + xx + dx, y * w + xx] = 1 - m
    t = a.pow(beta)
    t = t / t.sum(0, keepdim=True)
    for _ in range(exp_times):
        t = t @ t
    return ((x.double() * (1 - e)).reshape(c, n) @ t).reshape(1, c, h, w).float()


def test_random_walk_equals_the_dense_matrix_power():
    g = torch.Generator().manual_seed(0)
    edge = torch.rand(1, 1, 6, 7, generator=g) * 0.6
    x = torch.rand(1, 2, 6, 7, generator=g)
    out = random_walk(x, edge, radius=3, beta=4.0, exp_times=3)
    torch.testing.assert_close(out, _dense_walk(x, edge, 3, 4.0, 3), atol=1e-5, rtol=1e-4)


def test_random_walk_stays_inside_a_closed_boundary():
    edge = torch.zeros(1, 1, 12, 12)
    edge[0, 0, :, 6] = 1.0  # a wall between the left and right halves
    x = torch.zeros(1, 1, 12, 12)
    x[0, 0, 5, 2] = 1.0  # a peak in the left half
    out = random_walk(x, edge, radius=5, beta=10.0, exp_times=8)
    left, right = out[0, 0, :, :6], out[0, 0, :, 7:]
    assert right.abs().max() < 1e-6
    assert left.min() > 0.5 * left.max()  # spread over the whole left half


def test_affinity_labels_and_loss_on_a_hand_made_map():
    labels = torch.tensor([[[0, 0, 1, IGNORE]]])
    bg, fg, neg = affinity_labels(labels, 2)  # offsets: (0, 1), (1, -1), (1, 0), (1, 1)
    k = path_offsets(2).index((0, 1))
    assert bg[0, k, 0].tolist() == [1, 0, 0, 0]
    assert neg[0, k, 0].tolist() == [0, 1, 0, 0]
    assert fg.sum() == 0  # the foreground pixel's only neighbour to the right is ignored
    perfect = torch.zeros_like(bg)
    perfect[0, k, 0, 0] = 1.0  # affinity 1 on the positive pair, 0 on the negative one
    losses = affinity_loss(perfect, labels, 2)
    assert losses["loss_aff_pos"] < 1e-3 and losses["loss_aff_neg"] < 1e-3
    wrong = 1.0 - perfect
    losses = affinity_loss(wrong, labels, 2)
    expected = -torch.log(torch.tensor(1e-5)) / 4  # the bg half of the positives, halved
    assert losses["loss_aff_pos"] == pytest.approx(float(expected), rel=1e-3)
    assert losses["loss_aff_neg"] == pytest.approx(
        -float(torch.log(torch.tensor(1e-5))) / 2, rel=1e-3
    )
