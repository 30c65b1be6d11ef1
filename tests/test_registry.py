"""Every registry's ``locations`` imports, and the 'risseg' default scope resolves."""
from __future__ import annotations

import importlib

import pytest
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope, Registry, init_default_scope

import risseg.registry as reg

REGISTRIES = {
    name: obj for name, obj in vars(reg).items()
    if isinstance(obj, Registry) and not name.startswith("MMENGINE_")
}


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_locations_import(name):
    registry = REGISTRIES[name]
    assert registry._locations, f"{name} has no locations"
    for location in registry._locations:
        importlib.import_module(location)


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_children_of_mmengine_use_the_risseg_scope(name):
    registry = REGISTRIES[name]
    if registry.parent is None:  # LABELERS, TOKENIZERS: root registries by design
        return
    assert registry.scope == "risseg"
    assert registry.parent._children["risseg"] is registry


def test_default_scope_resolves_risseg_and_mmengine_names():
    init_default_scope("risseg")
    assert DefaultScope.get_current_instance().scope_name == "risseg"
    with MMENGINE_MODELS.switch_scope_and_registry("risseg") as registry:
        assert registry is reg.MODELS
        assert registry.get("RISSegmentor").__name__ == "RISSegmentor"
        assert registry.get("ExponentialMovingAverage") is not None  # from the mmengine parent
    with MMENGINE_HOOKS.switch_scope_and_registry("risseg") as registry:
        assert registry is reg.HOOKS
        assert registry.get("CheckpointHook") is not None
