"""The contract every risseg segmentor follows."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from mmengine.model import BaseModel
from mmengine.structures import PixelData
from torch import Tensor

from risseg.models.utils import build, logits_to_original
from risseg.structures import SampleList


class BaseRISSegmentor(BaseModel, metaclass=ABCMeta):
    """Base class of referring segmentors (mmengine ``BaseModel``).

    Subclasses implement :meth:`loss`, :meth:`predict` and :meth:`_forward`; ``forward``
    dispatches on ``mode`` as mmengine's Runner expects.

    Args:
        data_preprocessor: config or module normalising and batching inputs.
        train_cfg: method-specific training options.
        test_cfg: inference options; ``rescale`` (default True) maps predictions to the
            original image, ``mask_thr`` (default 0.0) thresholds the foreground logit.
        init_cfg: mmengine weight-initialisation config.
    """

    def __init__(
        self,
        data_preprocessor: dict | None = None,
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type="RISDataPreprocessor")
        # Built here through risseg's registry so that plain Python use needs no default scope.
        super().__init__(data_preprocessor=build(data_preprocessor), init_cfg=init_cfg)
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = dict(test_cfg or {})

    def forward(self, inputs: Tensor, data_samples: SampleList | None = None, mode: str = "tensor"):
        """Dispatch to ``loss``, ``predict`` or ``_forward`` (mmengine convention)."""
        if mode == "loss":
            return self.loss(inputs, data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor mode')

    @abstractmethod
    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """Training losses for a batch; keys start with ``loss_``."""

    @abstractmethod
    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Fill ``pred_mask`` (and other predictions) into the samples and return them."""

    @abstractmethod
    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None):
        """Raw network outputs, no post-processing."""

    def postprocess_mask_logits(self, logits: Tensor, data_samples: SampleList) -> SampleList:
        """Turn foreground logits into ``pred_mask`` / ``pred_logits`` on each sample.

        Args:
            logits: (B, 1, h, w) foreground logits over the padded input (any stride).
            data_samples: the B samples of the batch.

        Returns:
            The samples, with ``pred_mask`` bool (1, H, W) and ``pred_logits`` float
            (1, H, W): at original resolution when ``test_cfg.rescale`` (default), else at the
            padded-input resolution cropped to ``img_shape``.
        """
        rescale = self.test_cfg.get("rescale", True)
        thr = self.test_cfg.get("mask_thr", 0.0)
        for logit, sample in zip(logits, data_samples, strict=True):
            meta = sample.metainfo
            if rescale:
                out = logits_to_original(logit, meta)
            else:
                pad_h, pad_w = meta.get("pad_shape", meta["img_shape"])[:2]
                img_h, img_w = meta["img_shape"][:2]
                x0, y0 = meta.get("img_offset", (0, 0))
                out = torch.nn.functional.interpolate(
                    logit[None].float(), size=(pad_h, pad_w), mode="bilinear", align_corners=False
                )[0, :, y0 : y0 + img_h, x0 : x0 + img_w]
            sample.pred_logits = PixelData(data=out)
            sample.pred_mask = PixelData(data=out > thr)
        return data_samples
