"""Every trainable parameter of every SynthRef training config gets a gradient from one
training step: DistributedDataParallel (without ``find_unused_parameters``) stops on the
first parameter that does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from risseg.registry import MODELS
from risseg.testing import drop_missing_checkpoints, synthref_config

ROOT = Path(__file__).resolve().parents[2]


def _trains_on_synthref(path: Path) -> bool:
    """A SynthRef config that trains a model on SynthRef itself: not a pseudo-label
    generation config (no model / train_dataloader), and not one that trains on the output of
    an earlier step (rpp: partial-res_synthref-1pct's model on RPP points; S+S+C Correct,
    TRIS stage 2 / IRN and Pseudo-RIS on written pseudo-label files), whose models are those
    of configs checked here."""
    cfg = Config.fromfile(str(path))
    if "model" not in cfg or "train_dataloader" not in cfg or path.name.endswith("-rpp.py"):
        return False
    loader = str(cfg.train_dataloader.to_dict())
    return not any(s in loader for s in ("work_dirs/", "/pseudo/", "supervision_text_only"))


TRAINING_CONFIGS = sorted(
    p
    for p in (ROOT / "configs").rglob("*synthref*.py")
    if "_base_" not in p.parts and _trains_on_synthref(p)
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
    drop_missing_checkpoints(cfg.model)  # stand-in weights need tools/train_standins.py
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    batch = next(iter(Runner.build_dataloader(loader.to_dict(), seed=0)))
    losses = model(**model.data_preprocessor(batch, True), mode="loss")
    sum(v for k, v in losses.items() if k.startswith("loss") and v.requires_grad).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"{path.name}: trainable parameters without a gradient: {missing[:8]}"
