"""Hooks."""
from risseg.engine.hooks.early_stopping_hook import ResumableEarlyStoppingHook
from risseg.engine.hooks.ema_teacher_hook import EMATeacherHook, ema_update

__all__ = ["EMATeacherHook", "ResumableEarlyStoppingHook", "ema_update"]
