"""tools/analysis/semires_pseudo_label_quality.py on a tiny SynthRef with stand-in proposals."""

import json
from pathlib import Path

import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.models.utils import build
from risseg.testing import run_script, synthref_config

ROOT = Path(__file__).resolve().parents[2]
TOOL = str(ROOT / "tools" / "analysis" / "semires_pseudo_label_quality.py")


def _run(argv):
    return run_script(TOOL, *argv)


@pytest.fixture
def setup(synthref_with_proposals, tmp_path):
    data = synthref_with_proposals
    cpi = ROOT / "configs/semires/semires_tiny_synthref-1pct-cpi.py"
    cfg = synthref_config(str(cpi), str(data))
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.preset = "tiny"
    cfg_path = tmp_path / "cpi.py"
    cfg.dump(str(cfg_path))
    init_default_scope("risseg")
    torch.manual_seed(0)
    burn_in = build(cfg.model.segmentor.to_dict())  # a LAVT: the teacher at SemiRES's start
    ckpt = tmp_path / "burn_in.pth"
    torch.save({"state_dict": burn_in.state_dict()}, ckpt)
    return cfg_path, ckpt, tmp_path


def test_quality_figures_of_a_burn_in_checkpoint(setup):
    cfg_path, ckpt, tmp_path = setup
    out = tmp_path / "quality.json"
    result = _run([str(cfg_path), str(ckpt), "--num-refs", "20", "--out", str(out)])
    assert result["refs"] == 20
    assert json.loads(out.read_text())["refs"] == 20
    for kind in ("teacher", "iom", "cpi", "top_proposal"):
        assert 0.0 <= result[kind]["mIoU"] <= 100.0
        assert 0.0 <= result[kind]["prec_at_0_5"] <= 100.0
    assert 0.0 <= result["matched"]["cpi"] <= 1.0


def test_a_checkpoint_of_another_model_is_refused(setup):
    cfg_path, _, tmp_path = setup
    bad = tmp_path / "bad.pth"
    torch.save({"state_dict": {"something.else": torch.zeros(1)}}, bad)
    with pytest.raises(KeyError, match="does not fit"):
        _run([str(cfg_path), str(bad), "--num-refs", "4"])


def test_teacher_over_all_sentences(setup):
    cfg_path, ckpt, _ = setup
    argv = [str(cfg_path), str(ckpt), "--num-refs", "12"]
    one = _run(argv)
    every = _run(argv + ["--cfg-options", "model.teacher_all_sentences=True"])
    assert every["refs"] == one["refs"] == 12
    for kind in ("teacher", "cpi"):
        assert 0.0 <= every[kind]["mIoU"] <= 100.0
