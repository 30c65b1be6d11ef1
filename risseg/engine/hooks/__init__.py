"""Hooks."""

from risseg.engine.hooks.channels_last_hook import ChannelsLastHook, use_channels_last
from risseg.engine.hooks.early_stopping_hook import ResumableEarlyStoppingHook
from risseg.engine.hooks.ema_teacher_hook import EMATeacherHook, ema_update
from risseg.engine.hooks.model_option_hook import ModelOptionSwitchHook
from risseg.engine.hooks.ris_visualization_hook import RISVisualizationHook
from risseg.engine.hooks.text_coverage_hook import TextCoverageHook
from risseg.engine.hooks.val_prediction_grid_hook import ValPredictionGridHook

__all__ = [
    "ChannelsLastHook",
    "EMATeacherHook",
    "ModelOptionSwitchHook",
    "ResumableEarlyStoppingHook",
    "RISVisualizationHook",
    "TextCoverageHook",
    "ValPredictionGridHook",
    "ema_update",
    "use_channels_last",
]
