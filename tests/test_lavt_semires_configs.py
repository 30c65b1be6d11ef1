"""LAVT and SemiRES configs define a model or a labeler, and the toy ones build and run.

Loading, ``_base_`` depth and building every config's model: tests/test_configs.py.
"""

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from risseg.models.utils import build
from risseg.testing import demo_lavt_samples

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs" / "lavt").glob("*.py")) + sorted(
    (ROOT / "configs" / "semires").glob("*.py")
)


@pytest.fixture(autouse=True)
def _risseg_scope():
    init_default_scope("risseg")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_defines_a_model_or_a_labeler(path):
    cfg = Config.fromfile(str(path))
    assert "model" in cfg or "pseudo_labeler" in cfg


@pytest.mark.parametrize(
    "name",
    ["lavt/lavt_tiny_synthref.py", "semires/semires_tiny_synthref-1pct-cpi.py"],
)
def test_toy_configs_build_and_run(name):
    torch.manual_seed(0)
    cfg = Config.fromfile(str(ROOT / "configs" / name))
    model = build(cfg.model.to_dict())
    inputs, samples = demo_lavt_samples(2, 64)
    for s in samples:
        s.text_ids = s.text_ids.clamp(max=63)
    if cfg.model.type == "SemiRESSegmentor":
        samples[1].set_metainfo(dict(supervision="none"))
        samples[1].proposals = PixelData(data=samples[1].gt_mask.data.clone())
    losses = model(inputs, samples, mode="loss")
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    assert model(inputs, samples, mode="tensor").shape == (2, 1, 64, 64)
