"""The contract every risseg segmentor follows."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

from mmengine.model import BaseModel
from torch import Tensor

from risseg.models.heads.base import mask_logits_to_samples
from risseg.models.utils import build
from risseg.structures import SampleList


class BaseRISSegmentor(BaseModel, metaclass=ABCMeta):
    """Base class of referring segmentors (mmengine ``BaseModel``).

    Subclasses implement :meth:`loss`, :meth:`predict` and :meth:`_forward`; ``forward``
    dispatches on ``mode`` as mmengine's Runner expects, after recording the network input
    size as ``batch_input_shape`` on samples that lack it (the data preprocessor sets it; the
    heads read it, :func:`risseg.models.heads.base.input_shape_of`).

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
        for sample in data_samples or ():
            if "batch_input_shape" not in sample.metainfo:
                sample.set_metainfo(dict(batch_input_shape=tuple(inputs.shape[-2:])))
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
        """``pred_mask`` / ``pred_logits`` from (B, 1, h, w) foreground logits under this
        segmentor's ``test_cfg`` (:func:`risseg.models.heads.base.mask_logits_to_samples`)."""
        return mask_logits_to_samples(logits, data_samples, self.test_cfg)
