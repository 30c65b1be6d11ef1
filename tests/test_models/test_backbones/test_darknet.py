"""DarkNet53: shapes, freezing, and the Darknet weights-file / .pth loaders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from risseg.models.backbones.darknet import DarkNet53, load_darknet_weights


def _tiny(**kw) -> DarkNet53:
    return DarkNet53(widen_factor=1 / 16, num_blocks=(1, 1, 1, 1, 1), **kw)


def test_full_size_channels_and_module_count():
    model = DarkNet53(freeze_layer=None)
    assert len(model.darknet) == 14
    assert model.out_channels == (256, 512, 1024)
    # first conv, five stride-2 convs, 2 convs per residual block (1+2+8+8+4+2), 2 neck convs
    assert len(model.conv_layers()) == 1 + 5 + 2 * (1 + 2 + 8 + 8 + 4 + 2) + 2


def test_strides_and_channels():
    model = _tiny(freeze_layer=None).eval()
    outs = model(torch.rand(1, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 12), (1, 32, 4, 6), (1, 64, 2, 3)]


def test_freeze_all_but_last_two_including_bn():
    model = _tiny(freeze_layer=2)
    model.train()
    trainable = {n.split(".")[1] for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"12", "13"}
    assert not model.darknet[0].bn.training and model.darknet[13].bn.training
    before = model.darknet[0].bn.running_mean.clone()
    model(torch.rand(2, 3, 32, 32) * 255)
    assert torch.equal(before, model.darknet[0].bn.running_mean)


def test_modules_after_the_last_output_are_frozen():
    """Modules past max(out_indices) never run: frozen, so every trainable parameter gets a
    gradient (DDP), yet kept so that weight files and checkpoints load unchanged."""
    model = _tiny(freeze_layer=None, out_indices=(4, 6, 8))
    assert len(model.darknet) == 14
    trainable = {int(n.split(".")[1]) for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == set(range(9))
    sum(o.mean() for o in model(torch.rand(2, 3, 32, 32) * 255)).backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    frozen = _tiny(freeze_layer=2, out_indices=(4, 6, 8))  # nothing of the last two runs
    assert not any(p.requires_grad for p in frozen.parameters())


def _write_weights(path, model: DarkNet53, num_convs: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    blobs = []
    for layer in model.conv_layers()[:num_convs]:
        c = layer.bn.num_features
        for n in (c, c, c, c, layer.conv.weight.numel()):
            blobs.append(rng.standard_normal(n).astype(np.float32))
    with open(path, "wb") as f:
        np.array([0, 2, 5], dtype=np.int32).tofile(f)
        np.array([12345], dtype=np.int64).tofile(f)  # 'seen' is int64 from version 0.2
        np.concatenate(blobs).tofile(f)
    return blobs


def test_darknet_weights_file_loads_in_module_order(tmp_path):
    ref = _tiny(freeze_layer=None)
    path = tmp_path / "tiny.weights"
    blobs = _write_weights(path, ref, len(ref.conv_layers()))
    model = _tiny(pretrained=str(path), freeze_layer=None)
    first = model.conv_layers()[0]
    np.testing.assert_array_equal(first.bn.bias.detach().numpy(), blobs[0])
    np.testing.assert_array_equal(first.bn.weight.detach().numpy(), blobs[1])
    np.testing.assert_array_equal(first.bn.running_var.numpy(), blobs[3])
    np.testing.assert_array_equal(first.conv.weight.detach().numpy().ravel(), blobs[4])
    last = model.conv_layers()[-1]
    np.testing.assert_array_equal(last.conv.weight.detach().numpy().ravel(), blobs[-1])


def test_short_weights_file_leaves_rest(tmp_path):
    model = _tiny(freeze_layer=None)
    path = tmp_path / "backbone_only.weights"
    _write_weights(path, model, 5)
    assert load_darknet_weights(model, path) == 5


def test_truncated_weights_file_raises(tmp_path):
    model = _tiny(freeze_layer=None)
    path = tmp_path / "broken.weights"
    _write_weights(path, model, 3)
    with open(path, "ab") as f:
        np.zeros(3, np.float32).tofile(f)
    with pytest.raises(ValueError, match="inside conv 3"):
        load_darknet_weights(model, path)


def test_pth_loader_strips_prefix(tmp_path):
    src = _tiny(freeze_layer=None)
    state = {f"vis_enc.{k}": v for k, v in src.state_dict().items()}
    torch.save({"state_dict": state}, tmp_path / "conv.pth")
    model = _tiny(pretrained=str(tmp_path / "conv.pth"), freeze_layer=None)
    assert torch.equal(model.darknet[5].conv.weight, src.darknet[5].conv.weight)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.weights"):
        _tiny(pretrained=str(tmp_path / "nope.weights"))
