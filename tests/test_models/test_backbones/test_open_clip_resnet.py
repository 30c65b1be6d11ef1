"""OpenCLIPResNet: the tiny open_clip CLIP-RN config (risseg.testing.tiny_open_clip)."""

from __future__ import annotations

import json

import open_clip
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from risseg.models.backbones.open_clip_resnet import OpenCLIPResNet, SpatialAttentionPool
from risseg.registry import MODELS
from risseg.testing import BackboneContract
from risseg.testing.tiny_open_clip import TINY_CLIP_RN, register_tiny_open_clip

register_tiny_open_clip()
TINY = "risseg-tiny-clip-rn"


class TestOpenCLIPResNet(BackboneContract):
    cfg = dict(type="OpenCLIPResNet", model_name=TINY)


class TestOpenCLIPResNetCRIS(BackboneContract):
    cfg = dict(type="OpenCLIPResNet", model_name=TINY, out_indices=(1, 2, 3), spatial_attnpool=True)


def tiny_clip(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return open_clip.create_model(TINY, pretrained=None).eval()


def test_channels_and_strides_of_the_tiny_tower():
    net = OpenCLIPResNet(TINY).eval()
    feats = net(torch.randn(1, 3, 64, 64))
    assert net.out_channels == (32, 64, 128, 256)  # width 8: 4w, 8w, 16w, 32w
    assert [f.shape[-1] for f in feats] == [16, 8, 4, 2]
    cris = OpenCLIPResNet(TINY, out_indices=(1, 2, 3), spatial_attnpool=True)
    assert cris.out_channels == (64, 128, TINY_CLIP_RN["embed_dim"])


def test_loaded_weights_give_open_clips_own_c4(tmp_path):
    clip = tiny_clip(seed=3)
    path = tmp_path / "clip.safetensors"
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()}, path)
    torch.manual_seed(0)  # another initialisation: only the file can make them agree
    net = OpenCLIPResNet(TINY, checkpoint=str(path), out_indices=(3,)).eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        want = clip.visual.forward_intermediates(images, indices=[4], intermediates_only=True)
        got = net(images)[0]
    torch.testing.assert_close(got, want["image_intermediates"][-1])


def test_model_config_json_in_both_layouts(tmp_path):
    for i, payload in enumerate([TINY_CLIP_RN, {"model_cfg": TINY_CLIP_RN, "preprocess_cfg": {}}]):
        path = tmp_path / f"cfg{i}.json"
        path.write_text(json.dumps(payload))
        net = OpenCLIPResNet(f"risseg-test-json-{i}", model_config=str(path))
        assert net.out_channels == (32, 64, 128, 256)


def test_bad_model_config_and_checkpoint_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        OpenCLIPResNet("x", model_config=str(tmp_path / "nope.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"embed_dim": 4}))
    with pytest.raises(ValueError, match="bad.json"):
        OpenCLIPResNet("x", model_config=str(bad))
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        OpenCLIPResNet(TINY, checkpoint=str(tmp_path / "missing.safetensors"))
    with pytest.raises(ValueError, match="out_indices"):
        OpenCLIPResNet(TINY, out_indices=(4,))


def test_frozen_tower_has_no_trainable_weights_and_stays_in_eval():
    net = MODELS.build(dict(type="OpenCLIPResNet", model_name=TINY, frozen=True)).train()
    assert not any(p.requires_grad for p in net.parameters())
    assert not net.stem[1].training


def test_spatial_attention_pool_matches_multihead_attention():
    pool = tiny_clip().visual.attnpool
    spatial = SpatialAttentionPool(pool).eval()
    x = torch.randn(2, pool.q_proj.in_features, 3, 4)
    mha = nn.MultiheadAttention(x.shape[1], pool.num_heads)
    with torch.no_grad():
        mha.in_proj_weight.copy_(
            torch.cat([pool.q_proj.weight, pool.k_proj.weight, pool.v_proj.weight])
        )
        mha.in_proj_bias.copy_(torch.cat([pool.q_proj.bias, pool.k_proj.bias, pool.v_proj.bias]))
        mha.out_proj.weight.copy_(torch.eye(x.shape[1]))  # c_proj changes the width: below
        mha.out_proj.bias.zero_()
        pos = pool.positional_embedding[1:].reshape(1, 1, 1, -1).permute(0, 3, 1, 2)
        tokens = (x + pos.expand(1, -1, 3, 4)).flatten(2).permute(2, 0, 1)
        attended = pool.c_proj(mha(tokens, tokens, tokens)[0]).permute(1, 2, 0).reshape(2, -1, 3, 4)
        want = torch.relu(attended + spatial.residual(x))
        torch.testing.assert_close(spatial(x), want, atol=1e-5, rtol=1e-4)
