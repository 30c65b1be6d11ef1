import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.models.utils import build
from risseg.testing import demo_lavt_samples, tiny_lavt_cfg


@pytest.fixture(autouse=True)
def _risseg_scope():
    """Builds from dicts resolve in risseg's registries (the conftest resets the scope)."""
    init_default_scope("risseg")


def test_loss_predict_tensor_modes():
    torch.manual_seed(0)
    model = build(tiny_lavt_cfg())
    inputs, samples = demo_lavt_samples(2, 64)
    losses = model(inputs, samples, mode="loss")
    assert set(losses) == {"loss_ce"} and losses["loss_ce"].requires_grad
    model.eval()
    logits = model(inputs, samples, mode="tensor")
    assert logits.shape == (2, 1, 64, 64)
    out = model(inputs, samples, mode="predict")
    assert out[0].pred_mask.data.shape == (1, 64, 64)
    assert out[0].pred_mask.data.dtype == torch.bool
    assert torch.equal(out[0].pred_mask.data, logits[0] > 0)


def test_overfits_one_batch():
    torch.manual_seed(0)
    model = build(tiny_lavt_cfg())
    inputs, samples = demo_lavt_samples(2, 64)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    first = None
    for _ in range(15):
        loss = model(inputs, samples, mode="loss")["loss_ce"]
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.7 * first
