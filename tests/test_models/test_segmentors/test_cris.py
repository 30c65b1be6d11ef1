"""CRIS segmentor on tiny random CLIP towers: modes, loss, a few training iterations."""

from __future__ import annotations

import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.models.utils import build
from risseg.testing import demo_lavt_samples
from risseg.testing.tiny_open_clip import register_tiny_open_clip

register_tiny_open_clip()


def tiny_cris_cfg() -> dict:
    """CRIS on the tiny CLIP-RN (width 8: C3 64, C4 128, pooled C5 16; text width 16)."""
    clip = dict(model_name="risseg-tiny-clip-rn")
    return dict(
        type="CRIS",
        backbone=dict(type="OpenCLIPResNet", **clip, out_indices=(1, 2, 3), spatial_attnpool=True),
        text_encoder=dict(type="OpenCLIPTextEncoder", **clip, context_length=17),
        neck=dict(type="CRISFPN", in_channels=(64, 128, 16), channels=(8, 16, 32), text_dim=16),
        head=dict(
            type="CRISHead",
            in_channels=16,
            text_dim=16,
            sentence_dim=16,
            num_layers=1,
            num_heads=2,
            ffn_channels=32,
            dropout=0.0,
        ),
    )


@pytest.fixture(autouse=True)
def _risseg_scope():
    init_default_scope("risseg")


def test_loss_predict_tensor_modes():
    torch.manual_seed(0)
    model = build(tiny_cris_cfg())
    inputs, samples = demo_lavt_samples(2, 64)
    losses = model(inputs, samples, mode="loss")
    assert set(losses) == {"loss_contrast"} and losses["loss_contrast"].requires_grad
    model.eval()
    logits = model(inputs, samples, mode="tensor")
    assert logits.shape == (2, 1, 16, 16)
    out = model(inputs, samples, mode="predict")
    assert out[0].pred_mask.data.shape == (1, 64, 64)
    assert out[0].pred_mask.data.dtype == torch.bool


def test_box_supervised_samples_give_a_zero_loss():
    model = build(tiny_cris_cfg())
    inputs, samples = demo_lavt_samples(2, 64, supervision="box")
    loss = model(inputs, samples, mode="loss")["loss_contrast"]
    assert loss.item() == 0.0 and loss.requires_grad


def test_overfits_one_batch():
    torch.manual_seed(0)
    model = build(tiny_cris_cfg())
    inputs, samples = demo_lavt_samples(2, 64)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for _ in range(15):
        loss = model(inputs, samples, mode="loss")["loss_contrast"]
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
