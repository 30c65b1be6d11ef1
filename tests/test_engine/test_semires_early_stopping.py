"""SemiRES-CPI configs stop early on the teacher's val oIoU with mmengine's EarlyStoppingHook."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.hooks import EarlyStoppingHook
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

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
    found = [h for h in cfg.custom_hooks if h["type"] == "EarlyStoppingHook"]
    assert len(found) == 1
    init_default_scope("risseg")
    return HOOKS.build(dict(found[0]))


@pytest.mark.parametrize("name", CPI_CONFIGS)
def test_cpi_config_builds_early_stopping_on_teacher_oiou(name):
    cfg = Config.fromfile(str(ROOT / "configs" / name))
    hook = _early_stopping(cfg)
    assert isinstance(hook, EarlyStoppingHook)
    assert (hook.monitor, hook.rule, hook.patience) == ("oIoU", "greater", 5)
    assert cfg.train_cfg.val_interval == 1  # a validation (of the teacher) every epoch
    assert cfg.model.test_cfg.eval_model == "teacher"
    assert cfg.default_hooks.checkpoint.save_best == "oIoU"
    assert hook.monitor in _val_metrics(2)  # the key RefSegMetric logs (no prefix)


def test_hook_stops_after_five_validations_without_better_oiou():
    cfg = Config.fromfile(str(ROOT / "configs" / CPI_CONFIGS[0]))
    hook = _early_stopping(cfg)
    runner = SimpleNamespace(
        train_loop=SimpleNamespace(stop_training=False),
        logger=SimpleNamespace(info=lambda msg: None),
    )
    hook.before_run(runner)
    stopped_at = None
    for epoch, n_correct in enumerate([1, 3, 2, 1, 2, 1, 2, 4], start=1):  # best at epoch 2
        hook.after_val_epoch(runner, _val_metrics(n_correct))
        if runner.train_loop.stop_training:
            stopped_at = epoch
            break
    assert stopped_at == 7  # epochs 3-7: five validations without a better oIoU
