"""Every config loads, is at most 2 ``_base_`` hops deep, names each ``type`` in the registry
of its role and builds its model (full-size ones without weights); tiny configs also run the
loss, predict and tensor modes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope, Registry, init_default_scope

import risseg.registry as reg
from risseg.models.utils import build
from risseg.testing import (
    CONTRACTS,
    drop_missing_checkpoints,
    init_empty_weights,
    registered_classes,
)

CONFIG_ROOT = Path(__file__).resolve().parents[1] / "configs"
CONFIGS = sorted(p for p in CONFIG_ROOT.rglob("*.py"))
LEAVES = [p for p in CONFIGS if "_base_" not in p.parts]
TINY = sorted((CONFIG_ROOT / "tiny").glob("*.py"))
LABELER_FRAGMENTS = sorted((CONFIG_ROOT / "_base_" / "labelers").glob("*.py"))

# The registry a ``type`` must be in, by the last key naming it (most specific, tried first; a
# leading ``_`` of private config variables ignored) ...
KEY_REGISTRY: dict[str, Registry] = {
    "tokenizer": reg.TOKENIZERS,
    "pipeline": reg.TRANSFORMS,  # also every *_pipeline
    "common": reg.TRANSFORMS,  # shared pipeline steps of the semi-supervised dataset fragments
    "dataset": reg.DATASETS,
    "datasets": reg.DATASETS,
    "pseudo_label_dataset": reg.DATASETS,
    "refcoco": reg.DATASETS,
    "synthref": reg.DATASETS,
    "sampler": reg.DATA_SAMPLERS,
    "optimizer": reg.OPTIMIZERS,
    "optim_wrapper": reg.OPTIM_WRAPPERS,
    "constructor": reg.OPTIM_WRAPPER_CONSTRUCTORS,
    "vis_backends": reg.VISBACKENDS,
    "ema_type": reg.MODELS,
    "pseudo_labeler": reg.LABELERS,  # a labeler inside a model config (SemiRES)
    # foundation parts inside labeler configs
    "mask_generator": reg.FOUNDATION_MODELS,
    "text_mask_generator": reg.FOUNDATION_MODELS,
    "detector": reg.FOUNDATION_MODELS,
    "text_parser": reg.FOUNDATION_MODELS,
    # Pseudo-RIS generation configs (configs/pseudo_ris/generate_*.py)
    "instance_model": reg.FOUNDATION_MODELS,
    "captioner": reg.FOUNDATION_MODELS,
    "scorer": reg.FOUNDATION_MODELS,
}
# ... else by the top-level key.
ROOT_REGISTRY: dict[str, Registry] = {
    "model": reg.MODELS,
    "default_hooks": reg.HOOKS,
    "custom_hooks": reg.HOOKS,
    "ema_cfg": reg.HOOKS,
    "val_evaluator": reg.METRICS,
    "test_evaluator": reg.METRICS,
    "pseudo_labeler": reg.LABELERS,
    "param_scheduler": reg.PARAM_SCHEDULERS,
    "train_cfg": reg.LOOPS,
    "val_cfg": reg.LOOPS,
    "test_cfg": reg.LOOPS,
    "log_processor": reg.LOG_PROCESSORS,
    "visualizer": reg.VISUALIZERS,
    "model_wrapper_cfg": reg.MODEL_WRAPPERS,
}


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
    """Yield (trail, type name) for every string ``type`` (and EMAHook ``ema_type``) in a
    nested config."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield trail, node["type"]
        if isinstance(node.get("ema_type"), str):
            yield f"{trail}.ema_type", node["ema_type"]
        for key, value in node.items():
            yield from types_in(value, f"{trail}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from types_in(value, f"{trail}[{i}]")


def registry_of(trail: str) -> Registry:
    """The registry a ``type`` at ``trail`` (e.g. ``cfg.model.head.loss``) must resolve in."""
    keys = [k.lstrip("_") for k in re.sub(r"\[\d+\]", "", trail).split(".")[1:]]
    last = keys[-1]
    if last.endswith("pipeline"):
        return reg.TRANSFORMS
    if last in KEY_REGISTRY:
        return KEY_REGISTRY[last]
    if keys[0] in ROOT_REGISTRY:
        return ROOT_REGISTRY[keys[0]]
    raise KeyError(
        f"no registry known for a type at {trail}: add its key to KEY_REGISTRY or "
        "ROOT_REGISTRY in tests/test_configs.py"
    )


def resolves(name: str, registry: Registry) -> bool:
    """Whether ``registry`` (or, for a child of mmengine's, its parent) has ``name``.

    A broken ``locations`` entry raises ModuleNotFoundError (test_registry.py names it).
    """
    return registry.get(name) is not None


@pytest.mark.parametrize("path", CONFIGS, ids=rel)
def test_config_loads_and_is_shallow(path):
    Config.fromfile(str(path))
    assert depth(path) <= 2, f"{rel(path)} is {depth(path)} _base_ hops deep (max 2)"


@pytest.mark.parametrize("path", CONFIGS, ids=rel)
def test_every_type_is_in_the_registry_of_its_role(path):
    cfg = Config.fromfile(str(path))  # also runs custom_imports
    init_default_scope(cfg.get("default_scope", "risseg"))
    wrong = [
        (trail, name, registry_of(trail).name)
        for trail, name in types_in(cfg.to_dict())
        if not resolves(name, registry_of(trail))
    ]
    assert not wrong, f"types of {rel(path)} not in their role's registry: {wrong}"


def test_registry_check_refuses_a_type_of_another_role():
    assert resolves("PackRISInputs", registry_of("cfg.train_pipeline[3]"))
    assert not resolves("PackRISInputs", registry_of("cfg.model.backbone"))
    assert not resolves("TimmBackbone", registry_of("cfg.test_dataloader.dataset.pipeline[0]"))
    assert not resolves("RefSegMetric", registry_of("cfg.custom_hooks[0]"))
    assert resolves("CheckpointHook", registry_of("cfg.default_hooks.checkpoint"))  # mmengine's
    with pytest.raises(KeyError, match="cfg.unknown_key"):
        registry_of("cfg.unknown_key")


@pytest.mark.parametrize("path", LEAVES, ids=rel)
def test_model_builds_without_its_weights(path):
    """Checkpoint paths missing here are dropped (risseg.testing.drop_missing_checkpoints) and
    parameters live on the meta device, so Swin-B + BERT-base builds in well under a second."""
    cfg = Config.fromfile(str(path))
    if "model" not in cfg:
        assert "pseudo_labeler" in cfg, f"{rel(path)} has neither model nor pseudo_labeler"
        pytest.skip("a pseudo-label config: no model")
    model_cfg = cfg.model.to_dict()
    drop_missing_checkpoints(model_cfg)
    with DefaultScope.overwrite_default_scope("risseg"), init_empty_weights():
        model = build(model_cfg)
    assert type(model) is reg.MODELS.get(model_cfg["type"])
    params = list(model.parameters())
    assert params and all(p.is_meta for p in params)


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


def test_every_labeler_has_its_base_fragment():
    """risseg/labelers/<name>.py -> configs/_base_/labelers/<name>.py naming it (style guide 5)."""
    for name, cls in registered_classes(CONTRACTS["labeler"]).items():
        path = CONFIG_ROOT / "_base_" / "labelers" / f"{cls.__module__.rsplit('.', 1)[-1]}.py"
        assert path.is_file(), f"{name} has no {rel(path)}"
        assert Config.fromfile(str(path)).pseudo_labeler["type"] == name, rel(path)


def _missing_weights(cfg: dict) -> str | None:
    """The first ``checkpoint`` / ``path`` entry (at any depth) that does not exist here."""
    for key, value in cfg.items():
        if key in ("checkpoint", "path") and isinstance(value, str) and not Path(value).exists():
            return value
        if isinstance(value, dict) and (missing := _missing_weights(value)):
            return missing
    return None


@pytest.mark.parametrize("path", LABELER_FRAGMENTS, ids=rel)
def test_labeler_fragment_builds(path):
    cfg = Config.fromfile(str(path)).pseudo_labeler.to_dict()
    if missing := _missing_weights(cfg):
        pytest.skip(f"needs local weights {missing}")
    assert type(reg.LABELERS.build(cfg)).__name__ == cfg["type"]
