"""Repository configs pointed at throw-away data or built without their weights, for tests."""

from __future__ import annotations

import json
import os.path as osp
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from risseg.models.utils import build
from risseg.utils import register_all_modules


def retarget_paths(obj: Any, old: str, new: str) -> Any:
    """Replace the prefix ``old`` by ``new`` in every string of a nested config tree."""
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, dict):
        return type(obj)({k: retarget_paths(v, old, new) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return type(obj)(retarget_paths(v, old, new) for v in obj)
    return obj


def synthref_config(path: str, data_root: str) -> Config:
    """Load a SynthRef config with every ``data/synthref`` path moved to ``data_root``.

    SynthRef datasets generate their preset on first use, so ``data_root`` may be empty.
    """
    cfg = Config.fromfile(path)
    return Config(retarget_paths(cfg.to_dict(), "data/synthref", data_root))


# Config keys holding a local weights file (or directory) that a model loads when built.
CHECKPOINT_KEYS = (
    "pretrained",
    "burn_in_checkpoint",
    "checkpoint_path",
    "checkpoint",
    "word_vectors",
)


def standin_architecture_file(node: dict) -> str | None:
    """A JSON file with the architecture of the SynthRef stand-in that ``node`` loads.

    The stand-ins write their architecture beside their weights (``model_config``), so a
    config that names one cannot build where ``tools/train_standins.py`` has not run; their
    architectures are also defined in :mod:`risseg.standins`, from which this writes the file
    (in a temporary folder). Returns None when ``node`` names no stand-in.
    """
    from risseg.standins import clip, coca, sam

    open_clip_archs = {clip.MODEL_NAME: clip.MODEL_CFG, coca.MODEL_NAME: coca.MODEL_CFG}
    if node.get("model_name") in open_clip_archs:
        arch = open_clip_archs[node["model_name"]]
    elif node.get("type") == "SegmentAnythingGenerator":
        arch = sam.ARCH
    else:
        return None
    path = osp.join(tempfile.mkdtemp(prefix="risseg_standin_"), "model_config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(arch, f)
    return path


def drop_missing_checkpoints(model_cfg: dict) -> list[str]:
    """Set every checkpoint path (``CHECKPOINT_KEYS``) of ``model_cfg`` missing here to ``None``.

    The model then builds with random weights of the same shapes. A missing ``model_config`` of
    a SynthRef stand-in is replaced by its architecture (:func:`standin_architecture_file`). A
    BERT encoder left without weights or ``config`` gets ``config={}`` (BertConfig defaults,
    the bert-base-uncased architecture). Changes ``model_cfg`` in place; returns the dropped paths.
    """
    dropped = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key in CHECKPOINT_KEYS:
                path = node.get(key)
                if isinstance(path, str) and not osp.exists(path):
                    dropped.append(path)
                    node[key] = None
            config_path = node.get("model_config")
            if isinstance(config_path, str) and not osp.exists(config_path):
                if (arch_file := standin_architecture_file(node)) is not None:
                    dropped.append(config_path)
                    node["model_config"] = arch_file
            if (
                node.get("type") == "BertTextEncoder"
                and node.get("pretrained") is None
                and node.get("config") is None
            ):
                node["config"] = {}
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(model_cfg)
    return dropped


def build_without_checkpoints(
    config: str, cfg_options: dict | None = None, seed: int = 0
) -> tuple[Config, nn.Module, list[str]]:
    """Load CONFIG and build its model with random weights wherever a checkpoint is missing here.

    Args:
        config: path of a risseg config.
        cfg_options: overrides merged into the config (as ``--cfg-options``).
        seed: ``torch.manual_seed`` before building, so that two builds have the same weights.

    Returns:
        ``(cfg, model, dropped)``: the merged config, the model (in the default train mode) and
        the checkpoint paths set to ``None`` (:func:`drop_missing_checkpoints`).
    """
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model_cfg = cfg.model.to_dict()
    dropped = drop_missing_checkpoints(model_cfg)
    with DefaultScope.overwrite_default_scope("risseg"):
        torch.manual_seed(seed)
        model = build(model_cfg)
    return cfg, model, dropped


@contextmanager
def init_empty_weights() -> Iterator[None]:
    """Create every ``nn.Parameter`` registered inside the block on the meta device.

    Builds a full-size model (Swin-B + BERT-base, DarkNet-53) in a fraction of a second and
    without its memory: parameter initialisers run on meta tensors, which hold no data. Buffers
    stay real, so constructors that read them (e.g. normalisation constants) still work. The
    model cannot run a forward pass.
    """
    register = nn.Module.register_parameter

    def register_on_meta(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        register(module, name, param)
        if param is not None:
            module._parameters[name] = nn.Parameter(
                param.to("meta"), requires_grad=param.requires_grad
            )

    nn.Module.register_parameter = register_on_meta
    try:
        yield
    finally:
        nn.Module.register_parameter = register
