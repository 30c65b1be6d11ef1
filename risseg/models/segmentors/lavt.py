"""LAVT: language-aware vision transformer for referring segmentation."""

from __future__ import annotations

from torch import Tensor

from risseg.models.heads.base import HeadInputs
from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.utils import stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class LAVTSegmentor(RISSegmentor):
    """LAVT (https://arxiv.org/abs/2112.02244): words are fused inside the visual backbone.

    text_encoder(ids, mask) -> (B, L, C_l) words; backbone(image, words, mask) -> Y1..Y4;
    head(Y1..Y4) -> 2-class logits. Unlike the generic ``RISSegmentor`` the backbone itself
    consumes the text, so there is no separate fusion neck; only :meth:`extract_feat` differs.

    Args:
        backbone: e.g. ``SwinPWAM`` config or module.
        text_encoder: e.g. ``BertTextEncoder`` config or module.
        head: e.g. ``LAVTDecoderHead`` config or module.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see ``BaseRISSegmentor``.
    """

    def extract_feat(self, inputs: Tensor, data_samples: SampleList) -> HeadInputs:
        """Encode the expressions, then the image conditioned on them.

        Args:
            inputs: (B, 3, H, W) normalised images.
            data_samples: B samples with ``text_ids`` / ``text_mask`` (L,).

        Returns:
            ``HeadInputs`` whose ``visual`` is Y1..Y4, the backbone's four (B, C_i, H_i, W_i)
            maps.
        """
        ids, mask = stack_text(data_samples)
        words, mask, _ = self.text_encoder(ids.to(inputs.device), mask.to(inputs.device))
        return HeadInputs(visual=self.backbone(inputs, words, mask))
