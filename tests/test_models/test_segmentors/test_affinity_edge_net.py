"""AffinityEdgeNet: IR labels, the affinity loss through the model, predict."""

from __future__ import annotations

import torch
from mmengine.structures import PixelData

from risseg.models.layers.affinity_paths import IGNORE
from risseg.models.segmentors import AffinityEdgeNet
from risseg.models.segmentors.affinity_edge_net import ir_labels
from risseg.structures import RISDataSample
from risseg.testing import TinyBackbone  # noqa: F401  (registers the tiny backbone)


def test_ir_labels_of_a_hand_made_map():
    prob = torch.tensor([0.0, 0.1, 0.2, 0.3, 0.31, 1.0])
    assert ir_labels(prob, 0.30, 0.10).tolist() == [0, 0, IGNORE, IGNORE, 1, 1]


def _batch(n: int = 2, size: int = 32):
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(n, 3, size, size, generator=g)
    samples = []
    for i in range(n):
        prob = torch.zeros(1, size, size)
        prob[:, 8 + i : 20, 6:18] = 1.0
        s = RISDataSample(metainfo=dict(img_shape=(size, size), batch_input_shape=(size, size)))
        s.set_metainfo(dict(ori_shape=(size, size), pad_shape=(size, size), ref_id=i))
        s.response_map = PixelData(data=prob)
        samples.append(s)
    return inputs, samples


def test_loss_trains_the_head_only():
    torch.manual_seed(0)
    net = AffinityEdgeNet(
        backbone=dict(type="TinyBackbone"), edge_channels=4, train_radius=4
    ).train()
    losses = net(*_batch(), mode="loss")
    assert sorted(losses) == ["loss_aff_neg", "loss_aff_pos"]
    sum(losses.values()).backward()
    assert all(p.grad is None for p in net.backbone.parameters())
    assert all(
        p.grad is not None for n, p in net.named_parameters() if not n.startswith("backbone")
    )
    assert not net.backbone.training  # the frozen backbone stays in eval mode


def test_predict_gives_masks_at_the_original_size():
    net = AffinityEdgeNet(backbone=dict(type="TinyBackbone"), edge_channels=4, exp_times=3).eval()
    out = net(*_batch(), mode="predict")
    assert [tuple(s.pred_mask.data.shape) for s in out] == [(1, 32, 32)] * 2
    assert out[0].pred_mask.data.dtype == torch.bool
    assert out[0].pred_mask.data[0, 12, 10]  # the map's peak region stays foreground


def test_stored_ir_labels_are_used_as_given():
    net = AffinityEdgeNet(backbone=dict(type="TinyBackbone"), edge_channels=4, train_radius=3)
    inputs, samples = _batch()
    expected = net.batch_ir_labels(inputs, samples)
    for s, lab in zip(samples, expected, strict=True):
        del s.response_map
        s.ir_label = PixelData(data=lab)
    assert torch.equal(net.batch_ir_labels(inputs, samples), expected)
    assert set(expected.unique().tolist()) == {0, 1}  # the map is 0 or 1: nothing unsure
    assert torch.isfinite(sum(net(inputs, samples, mode="loss").values()))
