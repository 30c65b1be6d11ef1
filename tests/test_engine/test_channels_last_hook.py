"""ChannelsLastHook: weights and image batches become channels-last; training runs."""

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from risseg.engine.hooks import ChannelsLastHook, use_channels_last


class _Runner:
    def __init__(self, model):
        self.model = model


def test_convolution_weights_become_channels_last_in_place():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Linear(4, 4))
    weight = model[0].weight
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    ChannelsLastHook().before_run(_Runner(model))
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert model[0].weight is weight  # the optimiser still updates the model's parameter
    x = torch.randn(2, 3, 9, 9)
    model[0](x).sum().backward()
    optimizer.step()
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_runner_with_channels_last_trains(tmp_path):
    cfg = Config.fromfile("configs/tiny/tiny_ris.py")
    cfg.merge_from_dict(
        dict(
            work_dir=str(tmp_path),
            custom_hooks=[dict(type="ChannelsLastHook")],
            default_hooks=dict(checkpoint=None),
        )
    )
    cfg.train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=1, val_interval=1)
    init_default_scope("risseg")
    runner = Runner.from_cfg(cfg)
    runner.train()
    convs = [m for m in runner.model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convs)


def test_preprocessor_batches_become_channels_last():
    from risseg.models.data_preprocessor import RISDataPreprocessor

    model = torch.nn.Module()
    model.data_preprocessor = RISDataPreprocessor()
    images = [torch.randint(0, 255, (3, 8, 6), dtype=torch.uint8) for _ in range(2)]
    nchw = model.data_preprocessor(dict(inputs=images))["inputs"]
    assert nchw.is_contiguous()
    use_channels_last(model)
    use_channels_last(model)  # a second call adds no second conversion
    assert len(model.data_preprocessor._forward_hooks) == 1
    inputs = model.data_preprocessor(dict(inputs=images))["inputs"]
    assert inputs.is_contiguous(memory_format=torch.channels_last) and not inputs.is_contiguous()
    assert torch.equal(inputs, nchw)
