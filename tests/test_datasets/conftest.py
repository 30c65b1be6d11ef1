"""Shared fixtures for dataset tests: a REFER folder and the risseg default scope."""

from __future__ import annotations

import pytest
from mmengine.registry import DefaultScope

from .refer_fixture import write_refer


@pytest.fixture(autouse=True)
def risseg_scope():
    """Build pipelines from risseg's registries."""
    name = "test_datasets_scope"
    scope = DefaultScope.get_instance(name, scope_name="risseg")
    yield scope
    DefaultScope._instance_dict.pop(name, None)


@pytest.fixture
def refer_root(tmp_path):
    """A written REFER fixture (see refer_fixture.py)."""
    return write_refer(tmp_path)
