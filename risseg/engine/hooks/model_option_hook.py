"""Switch a model option on from a given training epoch."""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from risseg.registry import HOOKS


@HOOKS.register_module()
class ModelOptionSwitchHook(Hook):
    """Set ``model.<option> = value`` for the training epochs from ``begin_epoch`` on.

    Before ``begin_epoch`` (0-based: the number of finished epochs) the option keeps the value
    it had when training started; the value is decided again before every epoch, so a resumed
    run gets the same schedule as an uninterrupted one. E.g. ``option='teacher_all_sentences'``
    averages SemiRES's teacher over every sentence in the second half of training only.
    Needs an epoch-based training loop (``before_train_epoch`` is not called by iteration-based
    loops).

    Args:
        option: name of an existing attribute of the (unwrapped) model.
        value: its value from ``begin_epoch`` on.
        begin_epoch: first epoch (0-based) with ``value``; must be >= 0.
    """

    priority = "NORMAL"

    def __init__(self, option: str, value: Any, begin_epoch: int) -> None:
        if begin_epoch < 0:
            raise ValueError(f"begin_epoch must be >= 0, got {begin_epoch}.")
        self.option, self.value, self.begin_epoch = option, value, begin_epoch
        self._initial = None

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train(self, runner) -> None:
        """Remember the option's value at the start (raises if the model lacks it)."""
        model = self._model(runner)
        if not hasattr(model, self.option):
            raise AttributeError(
                f"ModelOptionSwitchHook: {type(model).__name__} has no option {self.option!r}."
            )
        self._initial = getattr(model, self.option)

    def before_train_epoch(self, runner) -> None:
        """Set the option for the epoch about to start (``runner.epoch`` finished so far)."""
        model = self._model(runner)
        value = self.value if runner.epoch >= self.begin_epoch else self._initial
        if getattr(model, self.option) != value:
            print_log(f"Epoch {runner.epoch + 1}: model.{self.option} = {value!r}", "current")
            setattr(model, self.option, value)
