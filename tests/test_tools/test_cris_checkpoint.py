"""The CRIS converter maps the official release's names onto risseg's CRIS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.models.utils import build
from risseg.testing import load_script
from risseg.testing.tiny_open_clip import register_tiny_open_clip

tool = load_script(Path(__file__).parents[2] / "tools" / "convert" / "cris_checkpoint.py")
_STEM = ["conv1", "bn1", None, "conv2", "bn2", None, "conv3", "bn3"]
_NECK = {
    "v5_proj": "f1_v_proj",
    "f5_norm": "norm_layer",
    "v4_proj": "f2_v_proj",
    "f4_cat": "f2_cat",
    "v3_proj": "f3_v_proj",
    "out5": "f4_proj5",
    "out4": "f4_proj4",
    "out3": "f4_proj3",
    "aggregate": "aggr",
    "coord_conv": "coordconv.0.conv1",
    "refine": "coordconv.1",
}


@pytest.fixture(autouse=True)
def _risseg_scope():
    init_default_scope("risseg")


def tiny_cris():
    register_tiny_open_clip()
    clip = dict(model_name="risseg-tiny-clip-rn")
    return build(
        dict(
            type="CRIS",
            backbone=dict(type="OpenCLIPResNet", **clip, out_indices=(1, 2, 3), spatial_attnpool=1),
            text_encoder=dict(type="OpenCLIPTextEncoder", **clip, context_length=17),
            neck=dict(type="CRISFPN", in_channels=(64, 128, 16), channels=(8, 16, 32), text_dim=16),
            head=dict(
                type="CRISHead", in_channels=16, text_dim=16, sentence_dim=16, num_layers=1,
                num_heads=2, ffn_channels=32,
            ),
        )
    )  # fmt: skip


def official_name(key: str) -> str:
    """The release's name of one risseg key (written from CRIS.pytorch's module names)."""
    part, rest = key.split(".", 1)
    if part == "backbone":
        m = re.match(r"stem\.(\d)\.(.*)", rest)
        if m:
            return f"module.backbone.visual.{_STEM[int(m[1])]}.{m[2]}"
        m = re.match(r"layers\.(\d)\.(.*)", rest)
        if m:
            return f"module.backbone.visual.layer{int(m[1]) + 1}.{m[2]}"
        rest = rest.replace("attnpool.residual.", "attnpool.connect.")
        return "module.backbone.visual." + rest.replace("attnpool.pool.", "attnpool.")
    if part == "text_encoder":
        return f"module.backbone.{rest}"
    if part == "neck":
        head, tail = rest.split(".", 1)
        return f"module.neck.{_NECK.get(head, head)}.{tail}"
    if rest.startswith("decoder."):
        return "module." + rest.replace("cross_attn.", "multihead_attn.")
    return "module.proj." + rest.removeprefix("projector.")


def test_official_state_dict_converts_to_every_risseg_weight():
    torch.manual_seed(0)
    model = tiny_cris()
    ours = model.state_dict()
    official = {official_name(k): v.clone() for k, v in ours.items()}
    full_pos = torch.randn(77, ours["text_encoder.positional_embedding"].shape[1])
    full_pos[:17] = ours["text_encoder.positional_embedding"]
    official["module.backbone.positional_embedding"] = full_pos  # the release keeps 77 rows
    official["module.backbone.logit_scale"] = torch.tensor(4.6)
    converted = tool.convert_cris_checkpoint(official, context_length=17)
    assert set(converted) == set(ours)
    for key, value in ours.items():
        torch.testing.assert_close(converted[key], value, msg=key)
    torch.manual_seed(1)
    other = tiny_cris()
    other.load_state_dict(converted, strict=True)


def test_unknown_keys_are_named():
    with pytest.raises(KeyError, match="neck.mystery"):
        tool.convert_key("module.neck.mystery.weight")
    with pytest.raises(KeyError, match="backbone.visual.extra"):
        tool.convert_key("module.backbone.visual.extra.weight")
