"""The head contract: what every risseg head takes, returns and owns.

A segmentor's ``extract_feat`` packs its features into :class:`HeadInputs`; the head then owns
everything after that: its losses (:meth:`BaseRISHead.loss`), its post-processing into the
samples' ``pred_*`` fields (:meth:`BaseRISHead.predict`) and its raw output
(:meth:`BaseRISHead.forward`, the segmentor's ``tensor`` mode). The network input shape comes
from the samples' metainfo (:func:`input_shape_of`), never from an extra argument.

Dense mask heads derive from :class:`BaseMaskHead`, which adds the class scores that
teacher-student methods read (:meth:`BaseMaskHead.seg_logits`, :meth:`BaseMaskHead.seg_probs`)
and the shared mask post-processing (:func:`mask_logits_to_samples`).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.structures import PixelData
from torch import Tensor

from risseg.models.utils import logits_to_original
from risseg.structures import SampleList


@dataclass
class HeadInputs:
    """The features a segmentor hands its head.

    Attributes:
        visual: the (fused) visual features: one (B, C, h, w) map or a list of them, finest
            first.
        lang: (B, C) language token / sentence feature, when the model has one.
        words: (B, L, C) word features, when the head consumes them.
        word_mask: (B, L) bool, True on real words (with ``words``).
    """

    visual: Tensor | list[Tensor] | tuple[Tensor, ...]
    lang: Tensor | None = None
    words: Tensor | None = None
    word_mask: Tensor | None = None


def input_shape_of(samples: SampleList) -> tuple[int, int]:
    """(H, W) of the padded network input of a batch, from the first sample's metainfo.

    ``batch_input_shape`` (set by ``RISDataPreprocessor`` and, when missing, by the
    segmentor's ``forward``) is preferred over ``pad_shape``.

    Raises:
        KeyError: no sample, or the first sample has neither key.
    """
    if not samples:
        raise KeyError("input_shape_of: the batch has no samples")
    meta = samples[0].metainfo
    shape = meta.get("batch_input_shape", meta.get("pad_shape"))
    if shape is None:
        raise KeyError(
            f"sample ref_id={meta.get('ref_id')} ({meta.get('img_path')}) has neither "
            "'batch_input_shape' nor 'pad_shape' in its metainfo; run the data "
            "preprocessor or the segmentor's forward, which set it."
        )
    return int(shape[0]), int(shape[1])


def mask_logits_to_samples(
    logits: Tensor, samples: SampleList, test_cfg: dict | None = None
) -> SampleList:
    """Turn foreground logits into ``pred_mask`` / ``pred_logits`` on each sample.

    Args:
        logits: (B, 1, h, w) foreground logits over the padded input (any stride).
        samples: the B samples of the batch.
        test_cfg: ``rescale`` (default True) maps to the original image, else to the padded
            input cropped to ``img_shape``; ``mask_thr`` (default 0.0) thresholds the logit.

    Returns:
        The samples, with ``pred_mask`` bool (1, H, W) and ``pred_logits`` float (1, H, W).
    """
    test_cfg = test_cfg or {}
    rescale = test_cfg.get("rescale", True)
    thr = test_cfg.get("mask_thr", 0.0)
    for logit, sample in zip(logits, samples, strict=True):
        meta = sample.metainfo
        if rescale:
            out = logits_to_original(logit, meta)
        else:
            pad_h, pad_w = meta.get("pad_shape", meta["img_shape"])[:2]
            img_h, img_w = meta["img_shape"][:2]
            x0, y0 = meta.get("img_offset", (0, 0))
            out = F.interpolate(
                logit[None].float(), size=(pad_h, pad_w), mode="bilinear", align_corners=False
            )[0, :, y0 : y0 + img_h, x0 : x0 + img_w]
        sample.pred_logits = PixelData(data=out)
        sample.pred_mask = PixelData(data=out > thr)
    return samples


class BaseRISHead(BaseModule, metaclass=ABCMeta):
    """Base class of every risseg head (docs/design.md, "Heads").

    Subclasses implement:

    * ``forward(feats, samples) -> Tensor``: the raw prediction, no post-processing (what the
      segmentor's ``tensor`` mode returns; a mask head's foreground logits, a sequence head's
      tokens);
    * ``loss(feats, samples) -> dict[str, Tensor]``: the training losses, keys ``loss_*``
      (other keys are logged, not summed);
    * ``predict(feats, samples, test_cfg) -> SampleList``: the samples with their ``pred_*``
      fields filled (``pred_mask`` always).

    ``feats`` is the :class:`HeadInputs` of the segmentor's ``extract_feat``; shapes of the
    network input come from the samples' metainfo (:func:`input_shape_of`).
    """

    @abstractmethod
    def forward(self, feats: HeadInputs, samples: SampleList | None = None) -> Tensor:
        """Raw prediction for the batch (see the class docstring)."""

    @abstractmethod
    def loss(self, feats: HeadInputs, samples: SampleList) -> dict[str, Tensor]:
        """Training losses for a batch; keys starting with ``loss_`` are summed."""

    @abstractmethod
    def predict(
        self, feats: HeadInputs, samples: SampleList, test_cfg: dict | None = None
    ) -> SampleList:
        """Fill ``pred_mask`` (and the head's other ``pred_*`` fields) into the samples."""

    def check_test_cfg(self, test_cfg: dict) -> None:
        """Raise ValueError for a ``test_cfg`` that :meth:`predict` cannot honour (the
        segmentor calls this when it is built); the default accepts any."""


class BaseMaskHead(BaseRISHead):
    """A head that predicts a dense foreground map.

    Subclasses implement ``forward(feats, samples) -> (B, 1, h, w)`` foreground logits over
    the padded input (any stride; ``logit > 0`` is foreground) and ``loss``. This class adds:

    * :meth:`predict`: :func:`mask_logits_to_samples` of ``forward``;
    * :meth:`seg_logits`: (B, 2, H, W) background/foreground logits at the padded input size,
      whose softmax gives the class probabilities (:meth:`seg_probs`). Teacher-student methods
      (SemiRES) train and pseudo-label through these two. The default puts a zero background
      logit next to the up-sampled foreground logit (softmax = sigmoid of the foreground);
      two-class heads override it with their own scores.
    """

    def seg_logits(self, feats: HeadInputs, samples: SampleList) -> Tensor:
        """(B, 2, H, W) background/foreground logits at the padded input size."""
        fg = self.forward(feats, samples)
        fg = F.interpolate(fg, size=input_shape_of(samples), mode="bilinear", align_corners=False)
        return torch.cat([torch.zeros_like(fg), fg], dim=1)

    def seg_probs(self, feats: HeadInputs, samples: SampleList) -> Tensor:
        """(B, 2, H, W) background/foreground probabilities (softmax of :meth:`seg_logits`)."""
        return self.seg_logits(feats, samples).softmax(dim=1)

    def predict(
        self, feats: HeadInputs, samples: SampleList, test_cfg: dict | None = None
    ) -> SampleList:
        """``pred_mask`` / ``pred_logits`` on each sample (:func:`mask_logits_to_samples`)."""
        return mask_logits_to_samples(self.forward(feats, samples), samples, test_cfg)
