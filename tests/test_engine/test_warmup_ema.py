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


def test_ema_hook_uses_warmup_ema_and_resumes(tiny_cfg):
    import os

    from mmengine.hooks import EMAHook
    from mmengine.runner import Runner

    from risseg.engine import load_local_checkpoint

    tiny_cfg.train_dataloader.dataset.num_samples = 8  # 2 iterations per epoch
    tiny_cfg.train_cfg.max_epochs = 1
    tiny_cfg.custom_hooks = [dict(type="EMAHook", ema_type="WarmupEMA", max_decay=0.99)]
    runner = Runner.from_cfg(tiny_cfg.copy())
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, EMAHook))
    assert isinstance(hook.ema_model, WarmupEMA) and int(hook.ema_model.steps) == 2
    ckpt = load_local_checkpoint(os.path.join(tiny_cfg.work_dir, "epoch_1.pth"))
    assert int(ckpt["ema_state_dict"]["steps"]) == 2

    tiny_cfg.train_cfg.max_epochs = 2
    tiny_cfg.resume = True
    runner = Runner.from_cfg(tiny_cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, EMAHook))
    assert runner.iter == 4 and int(hook.ema_model.steps) == 4
