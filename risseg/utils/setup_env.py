"""Registering every risseg component for code that does not go through a config's scope."""

from __future__ import annotations

import datetime
import importlib

from mmengine import DefaultScope

_PACKAGES = (
    "risseg.datasets",
    "risseg.datasets.transforms",
    "risseg.models",
    "risseg.evaluation",
    "risseg.engine",
    "risseg.labelers",
    "risseg.foundation",
    "risseg.visualization",
)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every risseg package so that all components are in their registries.

    Configs do not need this: ``default_scope='risseg'`` plus the registries' ``locations``
    import packages on demand. Plain Python code that builds from dicts does.

    Args:
        init_default_scope: also make 'risseg' the current default scope (a new scope
            instance is created if another scope is current).
    """
    for name in _PACKAGES:
        importlib.import_module(name)
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or current.scope_name != "risseg":
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S%f")
        DefaultScope.get_instance(f"risseg-{stamp}", scope_name="risseg")
