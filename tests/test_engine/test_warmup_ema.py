import pytest
import torch
from torch import nn

from risseg.engine import WarmupEMA


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def test_decay_warms_up_to_the_maximum():
    ema = WarmupEMA(model(), max_decay=0.999)
    assert ema.decay(0) == pytest.approx(1 / 10)
    assert ema.decay(10) == pytest.approx(11 / 20)
    assert ema.decay(100_000) == pytest.approx(0.999)


def test_parameters_and_buffers_follow_the_formula():
    src = model()
    ema = WarmupEMA(src, max_decay=0.9)
    ema.update_parameters(src)  # step 0 copies
    expected = {k: v.clone() for k, v in src.state_dict().items()}
    for step in range(1, 4):
        with torch.no_grad():
            for p in src.parameters():
                p.add_(1.0)
            src[1].running_mean.add_(2.0)
            src[1].num_batches_tracked.add_(1)
        ema.update_parameters(src)
        decay = min(0.9, (step + 1) / (step + 10))
        for k, v in src.state_dict().items():
            if v.dtype.is_floating_point:
                expected[k] = decay * expected[k] + (1 - decay) * v
            else:
                expected[k] = v.clone()
    for k, v in ema.module.state_dict().items():
        assert torch.allclose(v, expected[k]), k
    assert int(ema.module[1].num_batches_tracked) == 3


def test_invalid_decay():
    with pytest.raises(ValueError, match="max_decay"):
        WarmupEMA(model(), max_decay=1.5)
