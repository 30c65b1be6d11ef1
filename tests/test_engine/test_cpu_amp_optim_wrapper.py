import pytest
import torch
from torch import nn

from risseg.engine import CPUAmpOptimWrapper


def test_forward_runs_in_bfloat16_and_weights_stay_float32():
    model = nn.Linear(4, 3)
    wrapper = CPUAmpOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32 and not torch.equal(before, model.weight)


def test_rejects_unknown_dtype():
    with pytest.raises(ValueError, match="dtype"):
        optimizer = torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=1)
        CPUAmpOptimWrapper(dtype="int8", optimizer=optimizer)
