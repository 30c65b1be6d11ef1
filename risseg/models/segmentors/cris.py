"""CRIS: CLIP towers, a sentence-conditioned FPN and a text-to-pixel decoder head."""

from __future__ import annotations

from torch import Tensor

from risseg.models.heads.base import HeadInputs
from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.utils import stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class CRIS(RISSegmentor):
    """CRIS (https://arxiv.org/abs/2111.15174), the model Pseudo-RIS trains on its pseudo pairs.

    Parts (configs or modules): ``backbone`` :class:`OpenCLIPResNet` (C3, C4 and the spatial
    attention pool as C5), ``text_encoder`` :class:`OpenCLIPTextEncoder` (17 tokens),
    ``neck`` :class:`CRISFPN`, ``head`` :class:`CRISHead`. Unlike :class:`RISSegmentor`,
    the head receives the word features, their mask and the sentence feature next to the
    neck's fused map.

    Args:
        backbone, text_encoder, neck, head, data_preprocessor, train_cfg, test_cfg, init_cfg:
            see :class:`RISSegmentor`.
    """

    def extract_feat(self, inputs: Tensor, data_samples: SampleList) -> HeadInputs:
        """(B, 3, H, W) images and the samples' tokens -> ``HeadInputs`` with ``visual`` the
        (B, C, H / 16, W / 16) fused map, ``words`` (B, L, W), ``word_mask``, ``lang`` (B, D)."""
        ids, mask = stack_text(data_samples)
        feats = self.backbone(inputs)
        words, mask, sentence = self.text_encoder(ids.to(inputs.device), mask.to(inputs.device))
        fused = self.neck(feats, words, mask, sentence)
        return HeadInputs(visual=fused, lang=sentence, words=words, word_mask=mask)
