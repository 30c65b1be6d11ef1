"""Save -> resume through the Runner under torch's weights_only loading, and rejection."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner

from risseg.engine import UnsafeCheckpointError, load_local_checkpoint


def two_epoch_cfg(cfg, max_epochs):
    cfg.train_dataloader.dataset.num_samples = 8  # 2 iterations per epoch at batch 4
    cfg.train_cfg.max_epochs = max_epochs
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=1)
    return cfg


def test_resume_continues_iteration_optimizer_and_message_hub(tiny_cfg):
    runner = Runner.from_cfg(two_epoch_cfg(tiny_cfg.copy(), 1))
    runner.train()
    ckpt_path = os.path.join(tiny_cfg.work_dir, "epoch_1.pth")
    saved = load_local_checkpoint(ckpt_path)  # weights_only=True
    assert isinstance(saved["message_hub"]["log_scalars"]["train/loss"], HistoryBuffer)
    assert saved["meta"]["iter"] == 2 and saved["meta"]["epoch"] == 1

    resumed = Runner.from_cfg(two_epoch_cfg(tiny_cfg.copy(), 2))
    resumed.load_or_resume = lambda: None  # resume by hand to inspect the state before training
    resumed.resume(ckpt_path)
    assert resumed.iter == 2 and resumed.epoch == 1
    opt_state = resumed.optim_wrapper.optimizer.state_dict()["state"]
    assert all(int(s["step"]) == 2 for s in opt_state.values())
    history = resumed.message_hub.get_scalar("train/loss")
    assert len(history.data[0]) == len(saved["message_hub"]["log_scalars"]["train/loss"].data[0])
    assert history.mean() == pytest.approx(saved["message_hub"]["log_scalars"]["train/loss"].mean())
    for name, value in runner.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[name])
    resumed.train()
    assert resumed.iter == 4 and resumed.epoch == 2


class Payload:
    def __reduce__(self):
        return (os.system, ("echo unsafe",))


def test_arbitrary_objects_are_rejected_with_a_clear_error(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": {}, "payload": Payload()}, path)
    with pytest.raises(UnsafeCheckpointError, match="evil.pth.*allow-list") as err:
        load_local_checkpoint(str(path))
    assert "system" in str(err.value)
    assert isinstance(err.value, pickle.UnpicklingError)


def test_getattr_is_only_allowed_for_history_buffer_statistics(tmp_path):
    path = tmp_path / "method.pth"
    buffer = HistoryBuffer([1.0, 2.0], [1, 1])
    torch.save({"buffer": buffer, "empty": HistoryBuffer()}, path)
    loaded = load_local_checkpoint(str(path))
    assert loaded["buffer"].mean() == 1.5 and len(loaded["empty"].data[0]) == 0
    torch.save({"fn": buffer.update}, path)  # pickled as getattr(buffer, 'update')
    with pytest.raises(UnsafeCheckpointError, match="update"):
        load_local_checkpoint(str(path))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        load_local_checkpoint(str(tmp_path / "nope.pth"))


def test_runner_alone_installs_the_safe_loader():
    """A plain mmengine Runner with default_scope='risseg' imports risseg.engine itself."""
    code = (
        "import sys\n"
        "from mmengine.registry import HOOKS, init_default_scope\n"
        "from mmengine.runner.checkpoint import CheckpointLoader\n"
        "init_default_scope('risseg')\n"
        "HOOKS.build(dict(type='CheckpointHook'))\n"  # what Runner does for default_hooks
        "assert 'risseg.engine' in sys.modules\n"
        "loader = CheckpointLoader._get_checkpoint_loader('/x/epoch_1.pth')\n"
        "assert loader.__module__ == 'risseg.engine.checkpoint', loader\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
