"""LAVT: language-aware vision transformer for referring segmentation."""

from __future__ import annotations

from torch import Tensor

from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.utils import stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class LAVTSegmentor(RISSegmentor):
    """LAVT (https://arxiv.org/abs/2112.02244): words are fused inside the visual backbone.

    text_encoder(ids, mask) -> (B, L, C_l) words; backbone(image, words, mask) -> Y1..Y4;
    head(Y1..Y4) -> 2-class logits. Unlike the generic ``RISSegmentor`` the backbone itself
    consumes the text, so there is no separate fusion neck.

    Args:
        backbone: e.g. ``SwinPWAM`` config or module.
        text_encoder: e.g. ``BertTextEncoder`` config or module.
        head: e.g. ``LAVTDecoderHead`` config or module.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see ``BaseRISSegmentor``.
    """


    def extract_feat(self, inputs: Tensor, data_samples: SampleList) -> tuple[Tensor, ...]:
        """Encode the expressions, then the image conditioned on them.

        Args:
            inputs: (B, 3, H, W) normalised images.
            data_samples: B samples with ``text_ids`` / ``text_mask`` (L,).

        Returns:
            Y1..Y4, the backbone's four (B, C_i, H_i, W_i) maps.
        """
        ids, mask = stack_text(data_samples)
        words, mask, _ = self.text_encoder(ids.to(inputs.device), mask.to(inputs.device))
        return self.backbone(inputs, words, mask)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """Weighted cross-entropy of the head against ``gt_mask``."""
        feats = self.extract_feat(inputs, data_samples)
        return self.head.loss(feats, data_samples, tuple(inputs.shape[-2:]))

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Fill ``pred_mask`` (fg logit > ``test_cfg.mask_thr``, default 0 = argmax)."""
        logits = self._forward(inputs, data_samples)
        return self.postprocess_mask_logits(logits, data_samples)

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """(B, 1, H, W) foreground-minus-background logits at input resolution."""
        feats = self.extract_feat(inputs, data_samples)
        return self.head.predict(feats, tuple(inputs.shape[-2:]))

    def class_logits(self, inputs: Tensor, data_samples: SampleList) -> Tensor:
        """(B, 2, H, W) background/foreground logits at input resolution (used by SemiRES)."""
        feats = self.extract_feat(inputs, data_samples)
        return self.head.class_logits(feats, tuple(inputs.shape[-2:]))
