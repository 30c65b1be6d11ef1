"""The text-prompted mask role: a noun phrase in, every instance it names out.

The contract every generator follows (:class:`TextMaskGenerator`)::

    segment(image, phrases) -> list of (masks, scores), one per phrase

* ``image``: ``(H, W, 3)`` uint8 array (or tensor) in **RGB** order, original size.
* ``phrases``: short noun phrases ("red car"), at least one.
* per phrase: ``masks`` bool ``(N, H, W)`` of all its instances and ``scores`` float ``(N,)``,
  highest first; ``N`` may be 0. Phrases are independent: several in one call give what one
  call per phrase gives.

Implementation: :class:`HFSam3Generator` (SAM 3's promptable concept segmentation through
transformers' ``Sam3Model``).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import transformers
from torch import Tensor, nn

from risseg.foundation.grounded_detector import check_image, check_phrases
from risseg.foundation.weights import load_hf_pretrained
from risseg.registry import FOUNDATION_MODELS


class TextMaskGenerator(nn.Module, metaclass=ABCMeta):
    """Role interface: all instance masks of each phrase (see the module docstring)."""

    @abstractmethod
    def segment(
        self, image: np.ndarray | Tensor, phrases: Sequence[str]
    ) -> list[tuple[Tensor, Tensor]]:
        """Instance masks of every phrase.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            phrases: P noun phrases.

        Returns:
            P pairs ``(masks bool (N, H, W), scores (N,))``, highest score first.
        """

    def forward(self, image, phrases) -> list[tuple[Tensor, Tensor]]:
        """Same as :meth:`segment`."""
        return self.segment(image, phrases)


def _repeat_batch(output: Any, n: int) -> Any:
    """A vision-encoder output with every tensor's batch dimension (1) repeated ``n`` times."""
    for key, value in output.items():
        if isinstance(value, Tensor):
            output[key] = value.expand(n, *value.shape[1:])
        elif isinstance(value, (tuple, list)):
            output[key] = type(value)(
                v.expand(n, *v.shape[1:]) if isinstance(v, Tensor) else v for v in value
            )
    return output


@FOUNDATION_MODELS.register_module()
class HFSam3Generator(TextMaskGenerator):
    """SAM 3 (https://arxiv.org/abs/2511.16719) as transformers' ``Sam3Model`` +
    ``Sam3Processor``: DETR-style queries conditioned on the phrase, each with a mask.

    The image is encoded once per call and shared by all phrases. A query is kept when its
    score (query probability times the image-level presence probability) exceeds
    ``score_thresh``; its mask is the sigmoid mask above ``mask_thresh`` at image size.

    Args:
        model: a built ``Sam3Model`` (tests inject a tiny random one), or None to load ``path``.
        processor: a ``Sam3Processor``, or None to load ``path``.
        path: a local copy of the gated ``facebook/sam3`` model folder.
        score_thresh: minimum instance score (transformers' example uses 0.5).
        mask_thresh: mask probability threshold.
    """

    what = "SAM 3 (transformers)"
    how = (
        "Accept the SAM License on the facebook/sam3 model card, download the model folder "
        "from the Hugging Face Hub"
    )

    def __init__(
        self,
        model: nn.Module | None = None,
        processor: Any = None,
        path: str | None = None,
        score_thresh: float = 0.5,
        mask_thresh: float = 0.5,
    ) -> None:
        super().__init__()
        if (model is None or processor is None) and path is None:
            raise ValueError(
                "HFSam3Generator needs `model` and `processor`, or a local model folder `path`."
            )
        if model is None:
            model = load_hf_pretrained(transformers.Sam3Model, path, self.what, self.how)
        if processor is None:
            processor = load_hf_pretrained(transformers.Sam3Processor, path, self.what, self.how)
        self.model = model.eval()
        self.processor = processor
        self.score_thresh = score_thresh
        self.mask_thresh = mask_thresh

    @torch.no_grad()
    def segment(self, image, phrases):
        """Instance masks of every phrase; see :class:`TextMaskGenerator`."""
        image = check_image(image)
        phrases = check_phrases(phrases)
        device = self.model.device
        pixels = self.processor(images=image, return_tensors="pt")["pixel_values"].to(device)
        vision = _repeat_batch(self.model.get_vision_features(pixel_values=pixels), len(phrases))
        text = self.processor(text=phrases, return_tensors="pt").to(device)
        out = self.model(
            vision_embeds=vision, input_ids=text["input_ids"], attention_mask=text["attention_mask"]
        )
        results = self.processor.post_process_instance_segmentation(
            out,
            threshold=self.score_thresh,
            mask_threshold=self.mask_thresh,
            target_sizes=[image.shape[:2]] * len(phrases),
        )
        pairs = []
        for res in results:
            scores = res["scores"].float().cpu()
            order = torch.argsort(-scores, stable=True)
            masks = res["masks"].bool().cpu()[order]
            if len(masks) == 0:  # transformers leaves an empty result at the mask resolution
                masks = torch.zeros(0, *image.shape[:2], dtype=torch.bool)
            pairs.append((masks, scores[order]))
        return pairs
