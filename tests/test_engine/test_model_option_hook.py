from types import SimpleNamespace

import pytest
import torch

from risseg.engine.hooks import ModelOptionSwitchHook


class _Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.averaged = False


def _epoch(hook, runner, epoch):
    runner.epoch = epoch
    hook.before_train_epoch(runner)
    return runner.model.averaged


def test_option_switches_at_begin_epoch():
    hook = ModelOptionSwitchHook("averaged", True, begin_epoch=2)
    runner = SimpleNamespace(model=_Model(), epoch=0)
    hook.before_train(runner)
    assert [_epoch(hook, runner, e) for e in range(4)] == [False, False, True, True]


def test_resumed_run_gets_the_same_schedule():
    """A run resumed before or after the switch: the option follows the epoch, not the history."""
    hook = ModelOptionSwitchHook("averaged", True, begin_epoch=2)
    late = SimpleNamespace(model=_Model(), epoch=3)
    hook.before_train(late)
    assert _epoch(hook, late, 3) is True
    early = SimpleNamespace(model=_Model(), epoch=1)
    hook = ModelOptionSwitchHook("averaged", True, begin_epoch=2)
    hook.before_train(early)
    assert _epoch(hook, early, 1) is False and _epoch(hook, early, 2) is True


def test_unknown_option_and_negative_epoch_are_refused():
    with pytest.raises(AttributeError, match="no option 'nope'"):
        ModelOptionSwitchHook("nope", True, 0).before_train(SimpleNamespace(model=_Model()))
    with pytest.raises(ValueError, match="begin_epoch"):
        ModelOptionSwitchHook("averaged", True, begin_epoch=-1)
