"""Every registry's ``locations`` imports, and the 'risseg' default scope resolves."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope, Registry, init_default_scope

import risseg.registry as reg
from risseg.utils import register_all_modules

REGISTRIES = {
    name: obj
    for name, obj in vars(reg).items()
    if isinstance(obj, Registry) and not name.startswith("MMENGINE_")
}


# Children of mmengine's roots that hold no class of their own: they only make the 'risseg'
# scope resolve to mmengine's classes.
SCOPE_ONLY = {
    "EVALUATOR",
    "LOG_PROCESSORS",
    "LOOPS",
    "OPTIMIZERS",
    "PARAM_SCHEDULERS",
    "VISBACKENDS",
}
# Root registries by design: the Runner never builds their classes (registry.py).
ROOTS = {"FOUNDATION_MODELS", "LABELERS", "TOKENIZERS"}
CHILDREN = sorted(set(REGISTRIES) - ROOTS)


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_locations_import_and_register_classes(name):
    """Every location imports, and a registry holds classes unless it is scope-only."""
    registry = REGISTRIES[name]
    assert registry._locations, f"{name} has no locations"
    for location in registry._locations:
        importlib.import_module(location)
    registry.import_from_location()
    own = {n: c for n, c in registry.module_dict.items() if c.__module__.startswith("risseg.")}
    if name in SCOPE_ONLY:
        assert not own, f"{name} now holds {sorted(own)}: remove it from SCOPE_ONLY"
    else:
        assert own, f"{name} holds no class after importing {registry._locations}"


@pytest.mark.slow  # a fresh interpreter imports torch, timm and transformers: ~10 s on 2 cores
def test_a_fresh_process_finds_every_class_through_the_locations():
    """What a config names must resolve when only the registry's ``locations`` are imported
    (the Runner's lazy import), not only after tests imported everything."""
    code = (
        "import json, risseg.registry as r\n"
        f"names = {sorted(REGISTRIES)!r}\n"
        "for n in names: getattr(r, n).import_from_location()\n"
        "print(json.dumps({n: sorted(getattr(r, n).module_dict) for n in names}))\n"
    )
    fresh = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout.splitlines()[-1]
    )
    register_all_modules()
    lost = {}
    for name, registry in REGISTRIES.items():
        registry.import_from_location()
        here = {
            n
            for n, c in registry.module_dict.items()
            if c.__module__.startswith("risseg.") and not c.__module__.startswith("risseg.testing")
        }  # tests import the kit
        if here - set(fresh[name]):
            lost[name] = sorted(here - set(fresh[name]))
    assert not lost, f"registered, but not imported by the registry's locations: {lost}"


@pytest.mark.parametrize("name", CHILDREN)
def test_children_of_mmengine_use_the_risseg_scope(name):
    registry = REGISTRIES[name]
    assert registry.parent is not None, f"{name} is a root: add it to ROOTS if that is meant"
    assert registry.scope == "risseg"
    assert registry.parent._children["risseg"] is registry


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_root_registries_have_no_parent(name):
    assert REGISTRIES[name].parent is None and REGISTRIES[name].scope == "risseg"


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
