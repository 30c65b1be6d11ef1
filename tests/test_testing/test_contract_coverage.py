"""Every registered backbone, text encoder, neck, head and labeler has a contract test (as timm
tests every registered model): a new component without a ``Test*`` subclass of its role's contract
(risseg.testing.CONTRACTS) fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from torch import nn

from risseg.registry import MODELS
from risseg.testing import CONTRACTS, covered_class, load_script, registered_classes

TESTS = Path(__file__).resolve().parents[1]


def contract_cases() -> list[type]:
    """The ``Test*`` contract subclasses of every test file under tests/ that names a contract."""
    contracts = tuple(role.contract for role in CONTRACTS.values())
    cases = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if path == Path(__file__).resolve() or "Contract" not in path.read_text():
            continue
        module = load_script(path)
        cases += [
            obj
            for name, obj in vars(module).items()
            if name.startswith("Test") and isinstance(obj, type) and issubclass(obj, contracts)
        ]
    return cases


@pytest.fixture(scope="module")
def cases() -> list[type]:
    return contract_cases()


def missing_contracts(role: str, cases: list[type]) -> list[str]:
    """Names of ``role``'s registered classes that no case covers."""
    contract = CONTRACTS[role].contract
    covered = {covered_class(case) for case in cases if issubclass(case, contract)}
    return sorted(n for n, cls in registered_classes(CONTRACTS[role]).items() if cls not in covered)


@pytest.mark.parametrize("role", sorted(CONTRACTS))
def test_every_registered_class_has_a_contract_test(role, cases):
    assert registered_classes(CONTRACTS[role]), f"no {role} registered from its package"
    missing = missing_contracts(role, cases)
    assert not missing, (
        f"{role}s without a contract test: {missing}. Subclass "
        f"{CONTRACTS[role].contract.__module__}.{CONTRACTS[role].contract.__name__} in a test "
        "file (class Test<Name>)."
    )


def test_a_new_component_without_a_contract_is_reported(cases):
    class UncoveredNeck(nn.Module):
        pass

    UncoveredNeck.__module__ = "risseg.models.necks.uncovered_neck"
    MODELS.register_module(module=UncoveredNeck)
    try:
        assert missing_contracts("neck", cases) == ["UncoveredNeck"]
    finally:
        MODELS._module_dict.pop("UncoveredNeck")
