"""Exponential-moving-average update of a teacher from its student."""

from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from risseg.registry import HOOKS


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, keep_rate: float) -> None:
    """teacher <- keep_rate * teacher + (1 - keep_rate) * student, over the full state dict.

    Floating-point parameters *and* buffers (e.g. BN running statistics) are averaged;
    integer buffers (``num_batches_tracked``) are copied.

    Args:
        teacher: the averaged model, updated in place.
        student: the trained model, same architecture.
        keep_rate: weight of the old teacher (SemiRES: 0.9996).
    """
    t_state, s_state = teacher.state_dict(), student.state_dict()
    if t_state.keys() != s_state.keys():
        missing = sorted(set(t_state) ^ set(s_state))[:5]
        raise KeyError(f"Teacher and student differ in state keys, e.g. {missing}.")
    for key, t in t_state.items():
        s = s_state[key].detach()
        if t.is_floating_point():
            t.mul_(keep_rate).add_(s.to(t.dtype), alpha=1.0 - keep_rate)
        else:
            t.copy_(s)


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """After every ``interval`` training iterations, move ``model.teacher`` towards
    ``model.student`` (mean teacher, https://arxiv.org/abs/1703.01780; SemiRES keep rate
    0.9996 over parameters and buffers).

    Args:
        keep_rate: weight of the old teacher in each update.
        interval: update every this many iterations.
    """

    priority = "ABOVE_NORMAL"

    def __init__(self, keep_rate: float = 0.9996, interval: int = 1) -> None:
        if not 0.0 <= keep_rate <= 1.0:
            raise ValueError(f"keep_rate must be in [0, 1], got {keep_rate}.")
        self.keep_rate = keep_rate
        self.interval = interval

    @staticmethod
    def _model(runner) -> nn.Module:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not (hasattr(model, "teacher") and hasattr(model, "student")):
            raise AttributeError(f"{type(model).__name__} has no `teacher` and `student`.")
        return model

    def before_train(self, runner) -> None:
        """Fail early when the model is not a teacher-student model."""
        self._model(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """EMA step."""
        if (runner.iter + 1) % self.interval == 0:
            model = self._model(runner)
            ema_update(model.teacher, model.student, self.keep_rate)
