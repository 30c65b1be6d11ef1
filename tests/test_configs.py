"""Every config loads, names only registered types, and is at most 2 ``_base_`` hops deep;
tiny configs build and run the loss, predict and tensor modes."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import (
    FUNCTIONS,
    LOG_PROCESSORS,
    VISBACKENDS,
    VISUALIZERS,
    Registry,
    init_default_scope,
)

import risseg.registry as reg

CONFIG_ROOT = Path(__file__).resolve().parents[1] / "configs"
CONFIGS = sorted(p for p in CONFIG_ROOT.rglob("*.py"))
LEAVES = [p for p in CONFIGS if "_base_" not in p.parts]
TINY = sorted((CONFIG_ROOT / "tiny").glob("*.py"))
REGISTRIES = [r for r in vars(reg).values() if isinstance(r, Registry)]
REGISTRIES += [FUNCTIONS, LOG_PROCESSORS, VISBACKENDS, VISUALIZERS]


def rel(path: Path) -> str:
    return str(path.relative_to(CONFIG_ROOT))


def bases_of(path: Path) -> list[Path]:
    """The files named by ``_base_`` in ``path`` (read with ast, nothing executed)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_base_" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else list(value)
            return [(path.parent / n).resolve() for n in names]
    return []


def depth(path: Path) -> int:
    bases = bases_of(path)
    return 0 if not bases else 1 + max(depth(b) for b in bases)


def types_in(node, trail="cfg"):
    """Yield (trail, type name) for every string ``type`` in a nested config."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield trail, node["type"]
        for key, value in node.items():
            yield from types_in(value, f"{trail}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from types_in(value, f"{trail}[{i}]")


def resolves(name: str) -> bool:
    for registry in REGISTRIES:
        try:
            with registry.switch_scope_and_registry("risseg") as scoped:
                if scoped.get(name) is not None:
                    return True
        except ModuleNotFoundError:  # a broken `locations` entry: test_registry.py reports it
            continue
    return False


@pytest.mark.parametrize("path", CONFIGS, ids=rel)
def test_config_loads_and_is_shallow(path):
    Config.fromfile(str(path))
    assert depth(path) <= 2, f"{rel(path)} is {depth(path)} _base_ hops deep (max 2)"


@pytest.mark.parametrize("path", LEAVES, ids=rel)
def test_every_type_is_registered(path):
    cfg = Config.fromfile(str(path))  # also runs custom_imports
    init_default_scope(cfg.get("default_scope", "risseg"))
    missing = [(trail, name) for trail, name in types_in(cfg.to_dict()) if not resolves(name)]
    assert not missing, f"unregistered types in {rel(path)}: {missing}"


@pytest.mark.parametrize("path", TINY, ids=rel)
def test_tiny_config_runs_every_mode(path):
    cfg = Config.fromfile(str(path))
    init_default_scope(cfg.default_scope)
    model = reg.MODELS.build(cfg.model)
    dataset = reg.DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(2)])
    losses = model(**model.data_preprocessor(batch, True), mode="loss")
    assert losses and all(k.startswith("loss_") for k in losses)
    sum(losses.values()).backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        samples = model(**data, mode="predict")
        raw = model(**data, mode="tensor")
    assert all(s.pred_mask.data.dtype == torch.bool for s in samples)
    assert isinstance(raw, torch.Tensor) and raw.shape[:2] == (2, 1)
