"""Checkpoints named by a URL or any non-local scheme are refused, never downloaded or unpickled."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.model import BaseModule
from mmengine.runner import Runner
from mmengine.runner import checkpoint as mm_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from torch import nn

from risseg.engine.checkpoint import (
    RemoteCheckpointError,
    install_safe_checkpoint_loading,
    load_local_checkpoint,
    refuse_remote_checkpoint,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.com/models/evil-1234.pth"
PATHS = [
    URL,
    "http://example.com/a.pth",
    "open-mmlab://resnet50_v1c",
    "openmmlab://resnet50_v1c",
    "torchvision://resnet18",
    "modelzoo://resnet18",
    "mmcls://vgg11",
    "s3://bucket/a.pth",
    "open-mmlab:s3://bucket/a.pth",
    "petrel://bucket/a.pth",
    "pavi://model/a.pth",
    "ftp://example.com/a.pth",
    "file:///tmp/a.pth",
]


class Payload:
    """Unpickling it writes the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def poisoned_hub(tmp_path, monkeypatch) -> Path:
    """Torch's and mmengine's caches hold a malicious pickle under each download's name.

    Returns the marker file that exists if any of them is unpickled.
    """
    marker = tmp_path / "EXECUTED"
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("MMENGINE_HOME", str(tmp_path / "mmengine"))
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    cache.mkdir(parents=True)
    names = [
        "evil-1234.pth",
        "resnet18-f37072fd.pth",
        Path(mm_checkpoint.get_mmcls_models()["vgg11"]).name,
    ]
    for name in names:
        (cache / name).write_bytes(pickle.dumps(Payload(marker)))
    return marker


@pytest.mark.parametrize("path", PATHS)
def test_every_scheme_is_refused_with_the_path_and_advice(path):
    for load in (
        _load_checkpoint,
        CheckpointLoader.load_checkpoint,
        load_local_checkpoint,
        CheckpointLoader._get_checkpoint_loader(path),
    ):
        with pytest.raises(RemoteCheckpointError) as err:
            load(path)
        message = str(err.value)
        assert repr(path) in message and "local" in message and "pass" in message


def test_model_zoo_names_are_resolved_to_the_url_to_fetch():
    with pytest.raises(
        RemoteCheckpointError,
        match=r"wget -O checkpoints/vgg11_\S+\.pth "
        r"https://download\.openmmlab\.com/\S+vgg11",
    ):
        _load_checkpoint("mmcls://vgg11")
    with pytest.raises(RemoteCheckpointError, match="wget -O checkpoints/evil-1234.pth " + URL):
        _load_checkpoint(URL)


def test_cached_payloads_are_not_executed(poisoned_hub):
    direct = [
        (mm_checkpoint.load_from_http, URL),
        (mm_checkpoint.load_url, URL),
        (mm_checkpoint.load_from_torchvision, "torchvision://resnet18"),
        (mm_checkpoint.load_from_mmcls, "mmcls://vgg11"),
        (mm_checkpoint.load_from_openmmlab, "open-mmlab://resnet50_v1c"),
        (_load_checkpoint, URL),
        (_load_checkpoint, "torchvision://resnet18"),
        (_load_checkpoint, "mmcls://vgg11"),
    ]
    for load, path in direct:
        with pytest.raises(RemoteCheckpointError, match="Refusing"):
            load(path)
    with pytest.raises(RemoteCheckpointError, match="hub cache .*evil-1234.pth"):
        _load_checkpoint(URL)  # the message points at the cached copy, never loads it
    assert not poisoned_hub.exists()


def test_pretrained_init_cfg_is_refused(poisoned_hub):
    module = BaseModule(init_cfg=dict(type="Pretrained", checkpoint=URL))
    module.layer = nn.Linear(2, 2)
    with pytest.raises(RemoteCheckpointError, match="evil-1234.pth"):
        module.init_weights()
    prefixed = BaseModule(init_cfg=dict(type="Pretrained", checkpoint=URL, prefix="backbone."))
    with pytest.raises(RemoteCheckpointError):
        prefixed.init_weights()
    assert not poisoned_hub.exists()


@pytest.mark.parametrize("resume", [True, False])
def test_runner_load_from_and_resume_are_refused(tiny_cfg, poisoned_hub, resume):
    tiny_cfg.train_dataloader.dataset.num_samples = 4
    tiny_cfg.train_cfg.max_epochs = 1
    tiny_cfg.load_from, tiny_cfg.resume = URL, resume
    runner = Runner.from_cfg(tiny_cfg)
    with pytest.raises(RemoteCheckpointError, match="evil-1234.pth"):
        runner.train()
    assert runner.iter == 0 and not poisoned_hub.exists()


def test_schemes_registered_later_are_refused_too():
    calls = []
    CheckpointLoader.register_scheme("myproto://", loader=lambda f, m=None: calls.append(f))
    try:
        with pytest.raises(RemoteCheckpointError, match="myproto://x.pth"):
            _load_checkpoint("myproto://x.pth")
        with pytest.raises(RemoteCheckpointError):
            refuse_remote_checkpoint("myproto://x.pth")
    finally:
        del CheckpointLoader._schemes["myproto://"]
    assert calls == []


def test_local_checkpoints_still_load_after_reinstalling(tmp_path):
    install_safe_checkpoint_loading()  # idempotent
    path = tmp_path / "weights:v1.pth"  # a colon in a local name is not a scheme
    torch.save({"state_dict": {"w": torch.ones(2)}}, path)
    for load in (_load_checkpoint, CheckpointLoader.load_checkpoint, load_local_checkpoint):
        assert torch.equal(load(str(path))["state_dict"]["w"], torch.ones(2))


def test_test_tool_exits_non_zero_without_running_the_payload(poisoned_hub):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    work = poisoned_hub.parent / "work"
    proc = subprocess.run(
        [
            sys.executable,
            "tools/test.py",
            "configs/tiny/tiny_ris.py",
            URL,
            "--work-dir",
            str(work),
            "--cfg-options",
            "log_level=WARNING",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "RemoteCheckpointError" in proc.stderr and URL in proc.stderr
    assert not poisoned_hub.exists()
