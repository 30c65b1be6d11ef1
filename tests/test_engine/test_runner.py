"""RISRunner and tools/train.py, tools/test.py refuse checkpoints that do not fit the model,
unless the config (load_cfg) or --cfg-options ask for partial loading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from risseg.engine.checkpoint import CheckpointMismatchError, state_dict_fit
from risseg.registry import MODELS
from risseg.testing import run_script

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "configs" / "tiny" / "tiny_ris.py")
SEQTR = str(ROOT / "configs" / "seqtr" / "segm_synthref.py")
LAVT = str(ROOT / "configs" / "lavt" / "lavt_tiny_synthref.py")
TINY_TRAIN = [
    "train_dataloader.dataset.num_samples=8",
    "train_cfg.max_epochs=1",
    "log_level=WARNING",
]
SMALL_TEST = [
    "test_dataloader.dataset.indices=2",
    "test_dataloader.batch_size=2",
    "test_dataloader.num_workers=0",
    "test_dataloader.persistent_workers=False",
]


def test_fit_lists_missing_unexpected_and_reshaped_keys_and_tolerates_bookkeeping():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = {
        "0.weight": torch.zeros(3, 2),
        "0.bias": torch.zeros(4),
        "2.weight": torch.zeros(1),
        "data_preprocessor.mean": torch.zeros(3),
        "steps": torch.tensor(5),
    }
    fit = state_dict_fit(model, state)
    assert fit.missing == ["1.weight", "1.bias"] and fit.unexpected == ["2.weight"]
    assert fit.mismatched == [("0.bias", (4,), (3,))]
    assert not fit.exact and "0.bias [4] vs model [3]" in fit.describe()
    assert state_dict_fit(model, model.state_dict()).exact


@pytest.fixture(scope="module")
def lavt_checkpoint(tmp_path_factory) -> Path:
    """A checkpoint of the toy LAVT (random weights), a model other than SeqTR."""
    out = tmp_path_factory.mktemp("lavt") / "lavt.pth"
    cfg = Config.fromfile(LAVT)
    init_default_scope("risseg")
    torch.save({"state_dict": MODELS.build(cfg.model).state_dict()}, out)
    return out


def _seqtr_test_args(tmp_path: Path, ckpt: Path, *options: str) -> list[str]:
    return [
        SEQTR,
        str(ckpt),
        "--work-dir",
        str(tmp_path / "test"),
        "--threads",
        "1",
        "--data-root",
        str(tmp_path / "synthref"),
        "--preset",
        "tiny",
        "--cfg-options",
        *SMALL_TEST,
        "log_level=WARNING",
        *options,
    ]


def test_test_tool_refuses_another_models_checkpoint(tmp_path, lavt_checkpoint):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "test.py"),
            *_seqtr_test_args(tmp_path, lavt_checkpoint),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode != 0
    err = proc.stderr
    assert "CheckpointMismatchError" in err and str(lavt_checkpoint) in err
    assert "missing keys" in err and "unexpected keys" in err
    assert "backbone.darknet" in err and "backbone.patch_embed" in err  # SeqTR vs LAVT keys
    assert "load_cfg.strict=False" in err  # the way out is named


def test_test_tool_loads_partially_when_asked(tmp_path, lavt_checkpoint):
    metrics = run_script(
        ROOT / "tools" / "test.py",
        *_seqtr_test_args(tmp_path, lavt_checkpoint, "load_cfg.strict=False"),
    )
    assert 0 <= metrics["mIoU"] <= 100


def test_train_tool_checks_load_from_and_resume_still_works(tmp_path):
    first = tmp_path / "first"
    run_script(
        ROOT / "tools" / "train.py", TINY, "--work-dir", str(first), "--cfg-options", *TINY_TRAIN
    )
    ckpt = torch.load(first / "epoch_1.pth", weights_only=False)
    # the same weights under other names: refused, unless the keys are revised back
    renamed = {
        "state_dict": {
            k.replace("backbone.", "trunk.", 1): v for k, v in ckpt["state_dict"].items()
        }
    }
    torch.save(renamed, tmp_path / "renamed.pth")
    with pytest.raises(CheckpointMismatchError, match=r"renamed\.pth.*missing keys"):
        run_script(
            ROOT / "tools" / "train.py",
            TINY,
            "--work-dir",
            str(tmp_path / "bad"),
            "--cfg-options",
            *TINY_TRAIN,
            f"load_from={tmp_path / 'renamed.pth'}",
        )
    runner = run_script(
        ROOT / "tools" / "train.py",
        TINY,
        "--work-dir",
        str(tmp_path / "rev"),
        "--cfg-options",
        *TINY_TRAIN,
        f"load_from={tmp_path / 'renamed.pth'}",
        "load_cfg.revise_keys=[(^trunk\\.,backbone.)]",
    )
    assert runner.iter == 2
    runner = run_script(
        ROOT / "tools" / "train.py",
        TINY,
        "--work-dir",
        str(first),
        "--resume",
        "--cfg-options",
        *TINY_TRAIN,
        "train_cfg.max_epochs=2",
    )
    assert runner.epoch == 2 and runner.iter == 4


def test_unknown_load_cfg_key_is_refused(tmp_path):
    with pytest.raises(KeyError, match="load_cfg: unknown key"):
        run_script(
            ROOT / "tools" / "train.py",
            TINY,
            "--work-dir",
            str(tmp_path / "w"),
            "--cfg-options",
            *TINY_TRAIN,
            f"load_from={TINY}",
            "load_cfg.stritc=False",
        )
