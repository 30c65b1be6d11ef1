"""A generic referring segmentor: backbone + text encoder + fusion neck + mask head."""
from __future__ import annotations

from torch import Tensor, nn

from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.utils import build, stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class RISSegmentor(BaseRISSegmentor):
    """Encode the image and the expression, fuse them, and let the head decode a mask.

    The segmentor only wires parts together; the head owns its losses
    (``head.loss(feats, data_samples) -> dict``) and returns foreground logits from
    ``head.predict(feats, data_samples)`` as (B, 1, h, w) over the padded input.

    Parts (each a config dict or a built module):
        backbone: ``(B, 3, H, W) -> list of (B, C_i, H_i, W_i)``, finest first.
        text_encoder: ``(ids (B, L), mask (B, L)) -> (words (B, L, C), mask (B, L),
            sentence (B, C))``.
        neck: ``(image feats, words, mask, sentence) -> fused feats`` (optional; without it
            the head receives ``(image feats, words, mask, sentence)``).
        head: a mask head with ``loss``, ``predict`` and ``forward``.

    Args:
        backbone, text_encoder, neck, head: the parts.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see ``BaseRISSegmentor``.
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

    def extract_feat(self, inputs: Tensor, data_samples: SampleList):
        """Encode and fuse.

        Args:
            inputs: (B, 3, H, W) normalised images.
            data_samples: B samples with ``text_ids`` and ``text_mask`` (L,).

        Returns:
            The neck's fused features (what the head consumes).
        """
        ids, mask = stack_text(data_samples)
        img_feats = self.backbone(inputs)
        words, mask, sent = self.text_encoder(ids.to(inputs.device), mask.to(inputs.device))
        if self.neck is None:
            return img_feats, words, mask, sent
        return self.neck(img_feats, words, mask, sent)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """Training losses from the head (keys ``loss_*``)."""
        return self.head.loss(self.extract_feat(inputs, data_samples), data_samples)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Fill ``pred_mask`` and ``pred_logits`` (original resolution unless
        ``test_cfg.rescale`` is False)."""
        logits = self.head.predict(self.extract_feat(inputs, data_samples), data_samples)
        return self.postprocess_mask_logits(logits, data_samples)

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """Raw (B, 1, h, w) logits from the head."""
        return self.head(self.extract_feat(inputs, data_samples))
