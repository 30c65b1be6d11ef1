"""A few iterations of SemiRES-CPI on a tiny SynthRef through the Runner: train, interrupt after
one epoch, resume; the teacher, the EMA and the early-stopping state continue."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from risseg.engine import load_local_checkpoint
from risseg.testing import synthref_config

ROOT = Path(__file__).resolve().parents[2]
CPI = str(ROOT / "configs" / "semires" / "semires_tiny_synthref-1pct-cpi.py")


def _cfg(data: Path, work_dir: Path, epochs: int) -> Config:
    cfg = synthref_config(CPI, str(data))
    cfg.work_dir = str(work_dir)
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.preset = "tiny"
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.sampler.update(batch_size=4, num_labeled=2, epoch_length=2)
    for key in ("val_dataloader", "test_dataloader"):
        cfg[key].update(batch_size=4, num_workers=0, persistent_workers=False)
        cfg[key].dataset.update(preset="tiny", indices=4)
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler[0].end = 2  # the same schedule whether interrupted or not
    cfg.default_hooks.logger.interval = 1
    cfg.log_level = "WARNING"
    return cfg


class _TeacherAtStart(Hook):
    """The teacher's weights when training starts (after init_weights and load_or_resume)."""

    priority = "LOWEST"

    def before_train(self, runner) -> None:
        self.state = {k: v.clone() for k, v in runner.model.teacher.state_dict().items()}


@pytest.mark.slow
def test_semires_trains_then_resumes_with_its_teacher(synthref_with_proposals, tmp_path):
    data = synthref_with_proposals
    torch.manual_seed(0)
    work = tmp_path / "cpi"
    runner = Runner.from_cfg(_cfg(data, work, epochs=1))
    runner.train()
    assert runner.iter == 2
    first = (work / "epoch_1.pth").read_bytes()
    saved = load_local_checkpoint(str(work / "epoch_1.pth"))
    teacher = {
        k[len("teacher.") :]: v for k, v in saved["state_dict"].items() if k.startswith("teacher.")
    }
    student = {
        k[len("student.") :]: v for k, v in saved["state_dict"].items() if k.startswith("student.")
    }
    assert teacher and teacher.keys() == student.keys()
    assert any(not torch.equal(teacher[k], student[k]) for k in teacher)  # an EMA, not a copy
    assert "early_stopping/oIoU" in saved["message_hub"]["runtime_info"]

    cfg = _cfg(data, work, epochs=2)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    at_start = _TeacherAtStart()
    runner.register_hook(at_start)
    runner.train()
    assert runner.epoch == 2 and runner.iter == 4
    assert (work / "epoch_1.pth").read_bytes() == first  # resumed, not retrained
    assert all(torch.equal(at_start.state[k], teacher[k]) for k in teacher)
    early = next(h for h in runner.hooks if type(h).__name__ == "ResumableEarlyStoppingHook")
    assert early.best_score > float("-inf")  # validations of both epochs counted
    metrics = runner.test()
    assert 0.0 <= metrics["mIoU"] <= 100.0 and "oIoU" in metrics


class _OptionPerEpoch(Hook):
    """model.teacher_all_sentences in each training iteration, by epoch."""

    priority = "LOWEST"

    def __init__(self) -> None:
        self.seen = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.seen.setdefault(runner.epoch, set()).add(runner.model.teacher_all_sentences)


@pytest.mark.slow
def test_teacher_over_all_sentences_from_the_second_epoch(synthref_with_proposals, tmp_path):
    """ModelOptionSwitchHook turns model.teacher_all_sentences on in a real SemiRES run (the
    dataset config packs every sentence of the unlabeled refs)."""
    torch.manual_seed(0)
    cfg = _cfg(synthref_with_proposals, tmp_path / "late", epochs=2)
    cfg.custom_hooks.append(
        dict(
            type="ModelOptionSwitchHook", option="teacher_all_sentences", value=True, begin_epoch=1
        )
    )
    runner = Runner.from_cfg(cfg)
    probe = _OptionPerEpoch()
    runner.register_hook(probe)
    runner.train()
    assert probe.seen == {0: {False}, 1: {True}}
