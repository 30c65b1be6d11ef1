"""The LAVT/SemiRES release protocol in risseg's terms equals the release's own computation.

Release (LAVT test.py): image and GT resized to the network size with PIL (bilinear / NEAREST),
2-class logits at that size, argmax, I and U summed against the resized GT, IoU 0 when U = 0.
risseg: ``Resize(backend='pillow')`` with the GT loaded before it, ``test_cfg.rescale=False``
(``logit_fg - logit_bg > 0`` at the network resolution), ``RefSegMetric()``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from PIL import Image

from risseg.datasets.transforms import Resize
from risseg.evaluation import RefSegMetric
from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.structures import RISDataSample


class _Postprocess(BaseRISSegmentor):
    """Only the shared ``postprocess_mask_logits`` is exercised."""

    def loss(self, inputs, data_samples):
        raise NotImplementedError

    def predict(self, inputs, data_samples):
        raise NotImplementedError

    def _forward(self, inputs, data_samples=None):
        raise NotImplementedError


def _release_iou(logits: torch.Tensor, gt_original: np.ndarray, size: int) -> tuple[int, int]:
    """LAVT test.py: argmax of the (2, S, S) logits against the PIL-NEAREST-resized GT."""
    target = np.asarray(
        Image.fromarray(gt_original.astype(np.uint8)).resize((size, size), Image.NEAREST)
    )
    pred = logits.argmax(0).numpy()
    return int(np.logical_and(pred, target).sum()), int(np.logical_or(pred, target).sum())


def test_rescale_false_argmax_at_network_size_equals_release():
    rng = np.random.default_rng(0)
    size, samples, release = 48, [], []
    for k in range(6):
        h, w = int(rng.integers(20, 70)), int(rng.integers(20, 70))
        gt = np.zeros((h, w), bool)
        y0, x0 = int(rng.integers(0, h // 2)), int(rng.integers(0, w // 2))
        gt[y0 : y0 + h // 3, x0 : x0 + w // 3] = True
        img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        res = Resize(scale=(size, size), backend="pillow").transform(
            dict(img=img, gt_mask=gt, ori_shape=(h, w))
        )
        logits = (
            torch.randn(2, size, size)
            + (2.0 if k == 5 else 0.0) * torch.tensor([1.0, -1.0])[:, None, None]
        )  # the last sample predicts nothing
        sample = RISDataSample(
            metainfo=dict(
                ref_id=k,
                sent_id=k,
                ori_shape=(h, w),
                img_shape=res["img_shape"],
                pad_shape=res["pad_shape"],
                img_offset=res["img_offset"],
            )
        )
        sample.gt_mask = PixelData(data=torch.from_numpy(res["gt_mask"])[None])
        samples.append(sample)
        release.append((logits, gt))
    fg = torch.stack([lg[1:2] - lg[0:1] for lg, _ in release])  # (B, 1, S, S), as the LAVT head
    _Postprocess(test_cfg=dict(rescale=False)).postprocess_mask_logits(fg, samples)
    evaluator = Evaluator([RefSegMetric()])
    evaluator.process(data_samples=samples)
    metrics = evaluator.evaluate(len(samples))

    iu = [_release_iou(lg, gt, size) for lg, gt in release]
    ious = [i / u if u else 0.0 for i, u in iu]
    assert metrics["mIoU"] == pytest.approx(100 * np.mean(ious), abs=1e-9)
    assert metrics["oIoU"] == pytest.approx(100 * sum(i for i, _ in iu) / sum(u for _, u in iu))
    assert samples[0].pred_mask.shape == (size, size)
