"""Engine extensions: safe checkpoint loading (installed on import), CPU-friendly DDP,
the warm-up EMA, and hooks."""

from risseg.engine import hooks  # noqa: F401
from risseg.engine.checkpoint import (
    SAFE_GLOBALS,
    UnsafeCheckpointError,
    install_safe_checkpoint_loading,
    load_local_checkpoint,
)
from risseg.engine.cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from risseg.engine.dist import setup_launcher, shutdown_distributed
from risseg.engine.lavt_optim_constructor import LAVTOptimWrapperConstructor
from risseg.engine.model_wrapper import RISDistributedDataParallel
from risseg.engine.warmup_ema import WarmupEMA

__all__ = [
    "CPUAmpOptimWrapper",
    "install_safe_checkpoint_loading",
    "LAVTOptimWrapperConstructor",
    "load_local_checkpoint",
    "RISDistributedDataParallel",
    "SAFE_GLOBALS",
    "setup_launcher",
    "shutdown_distributed",
    "UnsafeCheckpointError",
    "WarmupEMA",
]
