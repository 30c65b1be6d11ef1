"""A generic referring segmentor: backbone + text encoder + fusion neck + head."""

from __future__ import annotations

from torch import Tensor, nn

from risseg.models.heads.base import HeadInputs
from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.utils import build, stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class RISSegmentor(BaseRISSegmentor):
    """Encode the image and the expression, fuse them, and let the head do the rest.

    The segmentor only wires parts together: :meth:`extract_feat` packs the features into
    :class:`~risseg.models.heads.base.HeadInputs`, and the head (a
    :class:`~risseg.models.heads.base.BaseRISHead`) owns the losses (``head.loss``), the
    post-processing into ``pred_*`` fields (``head.predict``) and the raw output
    (``head.forward``, the ``tensor`` mode). A new architecture overrides
    :meth:`extract_feat` only.

    Parts (each a config dict or a built module):
        backbone: ``(B, 3, H, W) -> list of (B, C_i, H_i, W_i)``, finest first.
        text_encoder: ``(ids (B, L), mask (B, L)) -> (words (B, L, C), mask (B, L),
            sentence (B, C))``.
        neck: ``(image feats, words, mask, sentence) -> fused feats`` (optional; without it
            the head receives the image features, words, mask and sentence).
        head: a ``BaseRISHead``.

    Args:
        backbone, text_encoder, neck, head: the parts.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see ``BaseRISSegmentor``;
            ``test_cfg`` is handed to ``head.predict``.
    """

    def __init__(
        self,
        backbone: dict | nn.Module,
        text_encoder: dict | nn.Module,
        head: dict | nn.Module,
        neck: dict | nn.Module | None = None,
        data_preprocessor: dict | nn.Module | None = None,
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            init_cfg=init_cfg,
        )
        self.backbone = build(backbone)
        self.text_encoder = build(text_encoder)
        self.neck = build(neck)
        self.head = build(head)
        check = getattr(self.head, "check_test_cfg", None)
        if check is not None:  # a bad test_cfg fails at build time, not after training
            check(self.test_cfg)

    def extract_feat(self, inputs: Tensor, data_samples: SampleList) -> HeadInputs:
        """Encode and fuse.

        Args:
            inputs: (B, 3, H, W) normalised images.
            data_samples: B samples with ``text_ids`` and ``text_mask`` (L,).

        Returns:
            ``HeadInputs``: ``visual`` = the neck's fused features; without a neck the image
            features, with ``words``, ``word_mask`` and ``lang`` (the sentence feature).
        """
        ids, mask = stack_text(data_samples)
        img_feats = self.backbone(inputs)
        words, mask, sent = self.text_encoder(ids.to(inputs.device), mask.to(inputs.device))
        if self.neck is None:
            return HeadInputs(visual=img_feats, lang=sent, words=words, word_mask=mask)
        return HeadInputs(visual=self.neck(img_feats, words, mask, sent))

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """Training losses from the head (keys ``loss_*``)."""
        return self.head.loss(self.extract_feat(inputs, data_samples), data_samples)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """The samples with the head's ``pred_*`` fields (``pred_mask`` always)."""
        feats = self.extract_feat(inputs, data_samples)
        return self.head.predict(feats, data_samples, self.test_cfg)

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """The head's raw output (e.g. (B, 1, h, w) foreground logits)."""
        return self.head(self.extract_feat(inputs, data_samples), data_samples)
