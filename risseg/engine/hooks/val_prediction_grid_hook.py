"""Write a picture of validation predictions after every validation and print its path."""

from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import print_log

from risseg.registry import HOOKS


@HOOKS.register_module()
class ValPredictionGridHook(Hook):
    """Draw the first sample of the first ``num`` validation batches into one PNG grid.

    After every validation the grid ``<work_dir>/<out_file>`` is (re)written and its path
    logged, so a run shows its latest predictions while it trains and ends with those of its
    final model. Each cell is drawn by :class:`risseg.visualization.RISLocalVisualizer`: the
    sentence and the IoU above the image, the predicted mask as a fill, the GT as an outline
    and, for sequence models, the contour points and box. The samples are the same every
    epoch (the val loader does not shuffle), so successive grids can be compared.

    Args:
        num: samples to draw (one per validation batch, from the first batch on).
        columns: cells per row.
        cell: width of a cell in pixels (the untouched image and the drawn one side by side).
        out_file: file name under the run's ``work_dir`` (or an absolute path).
    """

    priority = "LOW"

    def __init__(
        self, num: int = 8, columns: int = 4, cell: int = 512, out_file: str = "val_predictions.png"
    ) -> None:
        if num < 1 or columns < 1 or cell < 16:
            raise ValueError(
                f"ValPredictionGridHook: num and columns must be >= 1 and cell "
                f">= 16, got num={num}, columns={columns}, cell={cell}"
            )
        self.num, self.columns, self.cell, self.out_file = num, columns, cell, out_file
        self._cells: list[np.ndarray] = []
        self.last_path: str | None = None
        self._visualizer = None

    def before_val_epoch(self, runner) -> None:
        """Start a new grid."""
        self._cells = []

    def after_val_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: dict | None = None,
        outputs: Sequence | None = None,
    ) -> None:
        """Draw the first predicted sample of each of the first ``num`` batches."""
        if batch_idx >= self.num or not outputs:
            return
        from risseg.visualization import RISLocalVisualizer, sample_image

        sample = outputs[0]
        inputs = (data_batch or {}).get("inputs")
        image = sample_image(sample, None if inputs is None else inputs[0])
        if self._visualizer is None:  # no backends: add_datasample only draws
            self._visualizer = RISLocalVisualizer(
                name="val_prediction_grid", min_side=self.cell // 2
            )
        self._cells.append(self._visualizer.add_datasample(f"val_{batch_idx}", image, sample))

    def after_val_epoch(self, runner, metrics: dict | None = None) -> None:
        """Write the grid and log where it is."""
        if not self._cells:
            return
        from PIL import Image

        from risseg.utils.drawing import tile

        height = max(round(self.cell * c.shape[0] / c.shape[1]) for c in self._cells)
        grid = tile(self._cells, self.columns, (self.cell, height))
        path = (
            self.out_file if osp.isabs(self.out_file) else osp.join(runner.work_dir, self.out_file)
        )
        Image.fromarray(grid).save(path)
        self.last_path = path
        print_log(
            f"Val predictions (epoch {runner.epoch}, {len(self._cells)} samples: "
            f"sentence, IoU, predicted mask filled, GT outlined): {path}",
            "current",
        )

    def after_run(self, runner) -> None:
        """Repeat the path of the last grid at the end of the run."""
        if self.last_path is not None:
            print_log(f"Predictions of the final model on val: {self.last_path}", "current")
