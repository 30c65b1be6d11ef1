"""CPU DDP with torchrun and gloo: 2-process training, and 1- vs 2-process test metrics; SemiRES
(LAVT student + EMA teacher) trains under DDP."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from risseg.testing import synthref_config

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = str(REPO_ROOT / "configs" / "tiny" / "tiny_ris.py")
TRAIN, TEST = str(REPO_ROOT / "tools" / "train.py"), str(REPO_ROOT / "tools" / "test.py")
SEMIRES = REPO_ROOT / "configs" / "semires" / "semires_tiny_synthref-1pct-cpi.py"
QUIET = ["log_level=WARNING"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], cwd: Path, nproc: int = 1) -> str:
    """Run a tool in ``cwd`` (mmengine's distributed test writes ``.dist_test/`` there)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    if nproc > 1:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            f"--nproc_per_node={nproc}",
            f"--master_port={free_port()}",
            *args,
            "--launcher",
            "pytorch",
        ]
    else:
        cmd = [sys.executable, *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def printed_metrics(out: str) -> dict:
    """The metrics dict tools/test.py prints on its last '{...}' line."""
    line = [ln for ln in out.splitlines() if ln.startswith("{") and "mIoU" in ln][-1]
    return ast.literal_eval(line)


@pytest.mark.slow
def test_two_process_training_and_identical_test_metrics(tmp_path):
    work = tmp_path / "ddp"
    run(
        [
            TRAIN,
            TINY,
            "--work-dir",
            str(work),
            "--cfg-options",
            "train_dataloader.dataset.num_samples=16",
            "train_cfg.max_epochs=1",
            *QUIET,
        ],
        tmp_path,
        nproc=2,
    )
    ckpt = work / "epoch_1.pth"
    assert ckpt.is_file()  # 16 samples / (2 ranks x batch 4) = 2 iterations

    single = printed_metrics(
        run(
            [TEST, TINY, str(ckpt), "--work-dir", str(tmp_path / "t1"), "--cfg-options", *QUIET],
            tmp_path,
        )
    )
    double = printed_metrics(
        run(
            [TEST, TINY, str(ckpt), "--work-dir", str(tmp_path / "t2"), "--cfg-options", *QUIET],
            tmp_path,
            nproc=2,
        )
    )
    assert (tmp_path / ".dist_test").is_dir()  # mmengine's result exchange, not the checkout
    assert single.keys() == double.keys() and "mIoU" in single
    for key in single:
        assert single[key] == pytest.approx(double[key], abs=1e-9), key


@pytest.mark.slow
def test_semires_trains_under_ddp(synthref_with_proposals, tmp_path):
    """Two gloo processes train SemiRES-CPI (a LAVT student and its EMA teacher) for one epoch
    of 2 iterations: DDP refuses a model with a trainable parameter that gets no gradient."""
    cfg = synthref_config(str(SEMIRES), str(synthref_with_proposals))
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    for ds in loader.dataset.datasets:
        ds.preset = "tiny"
    loader.sampler.update(batch_size=2, num_labeled=1, epoch_length=2)  # iterations per rank
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    path = tmp_path / "config.py"
    cfg.dump(str(path))
    work = tmp_path / "ddp"
    run([TRAIN, str(path), "--work-dir", str(work), "--cfg-options", *QUIET], tmp_path, nproc=2)
    state = torch.load(work / "epoch_1.pth", map_location="cpu", weights_only=False)
    assert state["meta"]["iter"] == 2
    teacher = {
        k[len("teacher.") :]: v for k, v in state["state_dict"].items() if k.startswith("teacher.")
    }
    student = {
        k[len("student.") :]: v for k, v in state["state_dict"].items() if k.startswith("student.")
    }
    assert teacher.keys() == student.keys()
    # the EMA hook moved the teacher towards the trained student (both started equal)
    moved = [
        k
        for k in teacher
        if teacher[k].is_floating_point() and not torch.equal(teacher[k], student[k])
    ]
    assert moved
