"""ValPredictionGridHook: one grid of val predictions per validation, path logged."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from PIL import Image

from risseg.engine.hooks import ValPredictionGridHook
from risseg.structures import RISDataSample


def _sample(tmp_path, i: int, shift: int) -> RISDataSample:
    image = np.zeros((32, 48, 3), np.uint8)
    image[8:20, 10:30] = (200, 30, 30)
    path = tmp_path / f"img{i}.png"
    Image.fromarray(image).save(path)
    gt = torch.zeros(1, 32, 48, dtype=torch.bool)
    gt[:, 8:20, 10:30] = True
    pred = torch.roll(gt, shift, dims=2)
    sample = RISDataSample(
        metainfo=dict(img_path=str(path), text=f"the red box {i}", ori_shape=(32, 48))
    )
    sample.gt_mask = PixelData(data=gt)
    sample.pred_mask = PixelData(data=pred)
    return sample


def test_grid_written_each_validation_from_first_batches(tmp_path):
    hook = ValPredictionGridHook(num=3, columns=2, cell=128)
    runner = SimpleNamespace(work_dir=str(tmp_path), epoch=1)
    hook.before_val_epoch(runner)
    for batch_idx in range(5):  # batches 3 and 4 are past num: not drawn
        outputs = [_sample(tmp_path, batch_idx, shift=batch_idx * 4), _sample(tmp_path, 9, 0)]
        hook.after_val_iter(runner, batch_idx, dict(inputs=None), outputs)
    hook.after_val_epoch(runner, {})
    path = tmp_path / "val_predictions.png"
    assert hook.last_path == str(path) and path.is_file()
    grid = np.asarray(Image.open(path))
    assert grid.shape[1] == 2 * 128 and grid.shape[2] == 3  # two columns of 128
    # two rows: three cells, the fourth blank
    assert grid.shape[0] % 2 == 0 and len(hook._cells) == 3

    runner.epoch = 2  # the next validation starts a new grid
    hook.before_val_epoch(runner)
    assert hook._cells == []


def test_no_grid_without_validation_outputs(tmp_path):
    hook = ValPredictionGridHook()
    runner = SimpleNamespace(work_dir=str(tmp_path), epoch=1)
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, None, [])
    hook.after_val_epoch(runner, {})
    assert hook.last_path is None and not (tmp_path / "val_predictions.png").exists()


def test_bad_arguments():
    with pytest.raises(ValueError, match="num"):
        ValPredictionGridHook(num=0)
