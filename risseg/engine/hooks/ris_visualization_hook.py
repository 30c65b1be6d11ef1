"""Draw predictions during validation and testing (``tools/test.py --show-dir / --show``)."""

from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.visualization import Visualizer

from risseg.registry import HOOKS


@HOOKS.register_module()
class RISVisualizationHook(Hook):
    """Draw predicted samples with :class:`risseg.visualization.RISLocalVisualizer`.

    Validation draws the first sample of every ``interval``-th batch into the visualizer's
    backends (``vis_data/vis_image`` with ``LocalVisBackend``). Testing draws every
    ``interval``-th sample: to ``test_out_dir`` as ``<index>_<image stem>_<ref_id>_<sent_id>.png``
    when given, in a window for ``wait_time`` seconds with ``show``. Each picture shows the
    sentence, the predicted mask (fill), the GT outline and their IoU.

    Args:
        draw: draw anything at all (off by default, as mmdet's DetVisualizationHook).
        interval: validation batches / test samples between two drawings.
        show: show each test picture in a window.
        wait_time: seconds each window stays (0: until a key is pressed).
        test_out_dir: folder for the test pictures (made when missing).
    """

    priority = "NORMAL"

    def __init__(
        self,
        draw: bool = False,
        interval: int = 1,
        show: bool = False,
        wait_time: float = 0.0,
        test_out_dir: str | None = None,
    ) -> None:
        if interval < 1:
            raise ValueError(f"RISVisualizationHook: interval must be >= 1, got {interval}")
        self.draw = draw
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self._test_index = 0

    @staticmethod
    def _visualizer():
        from risseg.visualization import RISLocalVisualizer

        visualizer = Visualizer.get_current_instance()
        if not isinstance(visualizer, RISLocalVisualizer):
            raise TypeError(
                f"RISVisualizationHook needs visualizer=dict(type='RISLocalVisualizer', ...) "
                f"in the config; the current one is a {type(visualizer).__name__}."
            )
        return visualizer

    def before_run(self, runner) -> None:
        """Fail early when drawing is on and the config's visualizer cannot draw RIS."""
        if self.draw:
            self._visualizer()

    def _draw(self, sample, inputs, name: str, out_file: str | None, step: int, show: bool) -> None:
        from risseg.visualization import sample_image

        image = sample_image(sample, inputs)
        self._visualizer().add_datasample(
            name, image, sample, show=show, wait_time=self.wait_time, out_file=out_file, step=step
        )

    @staticmethod
    def _inputs(data_batch: dict, i: int):
        inputs = (data_batch or {}).get("inputs")
        return None if inputs is None else inputs[i]

    def after_val_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: dict | None = None,
        outputs: Sequence | None = None,
    ) -> None:
        """Draw the batch's first sample into the backends every ``interval`` batches."""
        if not self.draw or not outputs or batch_idx % self.interval:
            return
        sample = outputs[0]
        stem = osp.splitext(osp.basename(sample.get("img_path", "sample")))[0]
        name = f"val_{batch_idx:05d}_{stem}"  # saved as <name>_<training iteration>.png
        self._draw(sample, self._inputs(data_batch, 0), name, None, runner.iter, False)

    def after_test_iter(
        self,
        runner,
        batch_idx: int,
        data_batch: dict | None = None,
        outputs: Sequence | None = None,
    ) -> None:
        """Draw every ``interval``-th test sample to ``test_out_dir`` and/or a window."""
        if not self.draw:
            return
        for i, sample in enumerate(outputs or ()):
            index, self._test_index = self._test_index, self._test_index + 1
            if index % self.interval:
                continue
            stem = osp.splitext(osp.basename(sample.get("img_path", "sample")))[0]
            name = f"{index:05d}_{stem}_{sample.get('ref_id')}_{sample.get('sent_id')}"
            out_file = (
                None if self.test_out_dir is None else osp.join(self.test_out_dir, f"{name}.png")
            )
            self._draw(sample, self._inputs(data_batch, i), name, out_file, index, self.show)


def enable_visualization(
    cfg: Config, show_dir: str | None = None, show: bool = False, wait_time: float = 0.0
) -> None:
    """Make a config draw its test predictions (what ``tools/test.py --show-dir`` does).

    Sets the visualizer to ``RISLocalVisualizer`` (keeping its backends) and adds
    ``default_hooks.visualization = RISVisualizationHook(draw=True, ...)``.

    Args:
        cfg: the loaded config, changed in place.
        show_dir: folder for one picture per test sample (None: none written).
        show: also show each picture in a window.
        wait_time: seconds per window (0: until a key).
    """
    visualizer = dict(cfg.get("visualizer") or {})
    visualizer.update(type="RISLocalVisualizer")
    visualizer.setdefault("name", "visualizer")
    cfg.visualizer = visualizer
    hooks = cfg.get("default_hooks") or {}
    hooks["visualization"] = dict(
        type="RISVisualizationHook",
        draw=True,
        show=show,
        wait_time=wait_time,
        test_out_dir=show_dir,
    )
    cfg.default_hooks = hooks
