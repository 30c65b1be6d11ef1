"""Every trainable parameter of every SynthRef training config gets a gradient from one
training step: DistributedDataParallel (without ``find_unused_parameters``) stops on the
first parameter that does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from risseg.registry import MODELS
from risseg.testing import synthref_config

ROOT = Path(__file__).resolve().parents[2]
# SynthRef configs that train a model; rpp trains partial-res_synthref-1pct's model on the
# output of an earlier step, the proposals config trains nothing
TRAINING_CONFIGS = sorted(
    p
    for p in (ROOT / "configs").rglob("*synthref*.py")
    if "_base_" not in p.parts and not p.name.endswith(("-rpp.py", "proposals_synthref.py"))
)


def _tiny(node):
    """Every dataset of a config dict on the 'tiny' preset, all of it, without workers."""
    if isinstance(node, dict):
        if "preset" in node:
            node["preset"] = "tiny"
            node.pop("indices", None)
        if "num_workers" in node:
            node.update(num_workers=0, persistent_workers=False)
        for value in node.values():
            _tiny(value)
    elif isinstance(node, list):
        for value in node:
            _tiny(value)


@pytest.mark.parametrize(
    "path", TRAINING_CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "configs"))
)
def test_every_trainable_parameter_gets_a_gradient(path, module_synthref_with_proposals):
    cfg = synthref_config(str(path), str(module_synthref_with_proposals))
    _tiny(cfg._cfg_dict)
    loader = cfg.train_dataloader
    loader.batch_size = 4
    if loader.sampler.type == "SemiSupervisedSampler":
        loader.sampler.update(batch_size=4, num_labeled=2, epoch_length=1)
    init_default_scope(cfg.get("default_scope", "risseg"))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    batch = next(iter(Runner.build_dataloader(loader.to_dict(), seed=0)))
    losses = model(**model.data_preprocessor(batch, True), mode="loss")
    sum(v for k, v in losses.items() if k.startswith("loss") and v.requires_grad).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"{path.name}: trainable parameters without a gradient: {missing[:8]}"
