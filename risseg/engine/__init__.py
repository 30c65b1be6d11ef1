"""Engine: hooks, optimizer constructors, loops."""

from risseg.engine import hooks  # noqa: F401
from risseg.engine.lavt_optim_constructor import LAVTOptimWrapperConstructor

__all__ = ["LAVTOptimWrapperConstructor"]
