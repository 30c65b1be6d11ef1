import copy
from types import SimpleNamespace

import pytest
import torch

from risseg.engine.hooks import EMATeacherHook


class _TS(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.student = torch.nn.Linear(2, 2)
        self.teacher = copy.deepcopy(self.student)


def test_hook_updates_every_interval():
    model = _TS()
    with torch.no_grad():
        model.student.weight.add_(1.0)
    start = model.teacher.weight.clone()
    hook = EMATeacherHook(keep_rate=0.5, interval=2)
    runner = SimpleNamespace(model=model, iter=0)
    hook.before_train(runner)
    hook.after_train_iter(runner, 0)
    assert torch.equal(model.teacher.weight, start)  # iteration 1 of 2: no update
    runner.iter = 1
    hook.after_train_iter(runner, 1)
    assert torch.allclose(model.teacher.weight, start + 0.5)


def test_hook_rejects_plain_models():
    with pytest.raises(AttributeError):
        EMATeacherHook().before_train(SimpleNamespace(model=torch.nn.Linear(1, 1)))
    with pytest.raises(ValueError):
        EMATeacherHook(keep_rate=1.5)
