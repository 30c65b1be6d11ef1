"""SemiRES-CPI configs stop early on the teacher's val oIoU (mmengine's rule), also across a
resume (ResumableEarlyStoppingHook)."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.hooks import EarlyStoppingHook, Hook
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import PixelData

from risseg.engine import load_local_checkpoint
from risseg.engine.hooks import ResumableEarlyStoppingHook
from risseg.evaluation import RefSegMetric
from risseg.registry import HOOKS
from risseg.structures import RISDataSample

ROOT = Path(__file__).resolve().parents[2]
CPI_CONFIGS = [
    "semires/semires_tiny_synthref-1pct-cpi.py",
    "semires/semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-cpi.py",
]


def _val_metrics(n_correct: int) -> dict:
    """RefSegMetric through mmengine's Evaluator (as the ValLoop): 4 samples, n_correct exact."""
    samples = []
    for i in range(4):
        gt = torch.zeros(1, 4, 4, dtype=torch.bool)
        gt[0, i, :] = True
        pred = gt if i < n_correct else torch.zeros_like(gt)
        s = RISDataSample(metainfo=dict(ref_id=i, sent_id=i, ori_shape=(4, 4)))
        s.pred_mask, s.gt_mask = PixelData(data=pred), PixelData(data=gt)
        samples.append(s)
    evaluator = Evaluator([RefSegMetric()])
    evaluator.process(data_samples=samples)
    return evaluator.evaluate(len(samples))


def _early_stopping(cfg: Config) -> EarlyStoppingHook:
    found = [h for h in cfg.custom_hooks if h["type"] == "ResumableEarlyStoppingHook"]
    assert len(found) == 1
    init_default_scope("risseg")
    return HOOKS.build(dict(found[0]))


@pytest.mark.parametrize("name", CPI_CONFIGS)
def test_cpi_config_builds_early_stopping_on_teacher_oiou(name):
    cfg = Config.fromfile(str(ROOT / "configs" / name))
    hook = _early_stopping(cfg)
    assert isinstance(hook, ResumableEarlyStoppingHook) and isinstance(hook, EarlyStoppingHook)
    assert (hook.monitor, hook.rule, hook.patience) == ("oIoU", "greater", 5)
    assert cfg.train_cfg.val_interval == 1  # a validation (of the teacher) every epoch
    assert cfg.model.test_cfg.eval_model == "teacher"
    assert cfg.default_hooks.checkpoint.save_best == "oIoU"
    assert hook.monitor in _val_metrics(2)  # the key RefSegMetric logs (no prefix)


def _fake_runner(name: str) -> SimpleNamespace:
    return SimpleNamespace(
        train_loop=SimpleNamespace(stop_training=False),
        logger=SimpleNamespace(info=lambda msg: None),
        message_hub=MessageHub.get_instance(name),
    )


def _stopped_at(hook, runner, n_corrects: list[int], first_epoch: int = 1) -> int | None:
    hook.before_run(runner)
    hook.before_train(runner)
    for epoch, n_correct in enumerate(n_corrects, start=first_epoch):
        hook.after_val_epoch(runner, _val_metrics(n_correct))
        if runner.train_loop.stop_training:
            return epoch
    return None


VALIDATIONS = [1, 3, 2, 1, 2, 1, 2, 4]  # best oIoU at epoch 2


def test_hook_stops_after_five_validations_without_better_oiou():
    cfg = Config.fromfile(str(ROOT / "configs" / CPI_CONFIGS[0]))
    hook = _early_stopping(cfg)
    assert _stopped_at(hook, _fake_runner("uninterrupted"), VALIDATIONS) == 7  # epochs 3-7


def test_state_survives_the_message_hub_of_a_checkpoint():
    """Interrupted after epoch 3: the resumed hook still stops at epoch 7, as above."""
    cfg = Config.fromfile(str(ROOT / "configs" / CPI_CONFIGS[0]))
    first = _fake_runner("before")
    assert _stopped_at(_early_stopping(cfg), first, VALIDATIONS[:3]) is None
    resumed = _fake_runner("after")
    resumed.message_hub.load_state_dict(first.message_hub.state_dict())  # what resume does
    assert _stopped_at(_early_stopping(cfg), resumed, VALIDATIONS[3:], first_epoch=4) == 7
    # mmengine's hook would start again from scratch and not stop by epoch 8
    plain = EarlyStoppingHook(monitor="oIoU", rule="greater", min_delta=0.0, patience=5)
    assert _stopped_at(plain, _fake_runner("plain"), VALIDATIONS[3:], first_epoch=4) is None


class _RecordState(Hook):
    """Records the early-stopping hook's state when training starts (after load_or_resume)."""

    priority = "LOWEST"

    def before_train(self, runner) -> None:
        hook = next(h for h in runner.hooks if isinstance(h, ResumableEarlyStoppingHook))
        self.state = (hook.best_score, hook.wait_count)


def test_runner_resume_restores_the_state_saved_in_the_checkpoint(tiny_cfg):
    tiny_cfg.custom_hooks = [
        dict(type="ResumableEarlyStoppingHook", monitor="oIoU", rule="greater", patience=50)
    ]
    runner = Runner.from_cfg(tiny_cfg)
    runner.train()  # 2 epochs, validated after each
    hook = next(h for h in runner.hooks if isinstance(h, ResumableEarlyStoppingHook))
    saved = load_local_checkpoint(f"{tiny_cfg.work_dir}/epoch_2.pth")["message_hub"]
    state = saved["runtime_info"]["early_stopping/oIoU"]
    assert 0.0 <= state["best_score"] <= 100.0
    # validation 2 is in the checkpoint when it improved (the checkpoint is written again)
    if (state["best_score"], state["wait_count"]) != (hook.best_score, hook.wait_count):
        assert state["best_score"] == hook.best_score and hook.wait_count == 1

    tiny_cfg.train_cfg.max_epochs = 3
    tiny_cfg.resume = True
    runner = Runner.from_cfg(tiny_cfg)
    record = _RecordState()
    runner.register_hook(record)
    runner.train()
    assert runner.epoch == 3
    assert record.state == (state["best_score"], state["wait_count"])
