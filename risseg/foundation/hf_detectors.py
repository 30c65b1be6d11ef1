"""Grounded detectors wrapping transformers models (GroundingDINO, MM-GroundingDINO, OWLv2).

Both follow :class:`~risseg.foundation.grounded_detector.GroundedDetector`; weights and
processors load from one local Hugging Face folder through :mod:`risseg.foundation.weights`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch

from risseg.foundation.grounded_detector import (
    SSC_BOX_THRESHOLD,
    SSC_TEXT_THRESHOLD,
    Detections,
    GroundedDetector,
    check_image,
    check_phrases,
)
from risseg.foundation.weights import load_hf_pretrained
from risseg.registry import FOUNDATION_MODELS

GDINO_CLASSES = ("GroundingDinoForObjectDetection", "MMGroundingDinoForObjectDetection")
HF_HOW = (
    "Download the Hugging Face model folder (e.g. IDEA-Research/grounding-dino-tiny, "
    "google/owlv2-base-patch16-ensemble; see docs/foundation_models.md)"
)


def grounding_prompt(phrases: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """GroundingDINO's text prompt ``'p1. p2.'`` (lower case) and each phrase's char span."""
    prompt, spans = "", []
    for phrase in phrases:
        phrase = phrase.strip().lower().rstrip(".")
        start = len(prompt)
        spans.append((start, start + len(phrase)))
        prompt += phrase + ". "
    return prompt.strip(), spans


def _xyxy_pixels(cxcywh: torch.Tensor, width: float, height: float) -> torch.Tensor:
    from transformers.image_transforms import center_to_corners_format

    scale = cxcywh.new_tensor([width, height, width, height])
    return center_to_corners_format(cxcywh.float()) * scale


@FOUNDATION_MODELS.register_module()
class HFGroundingDINODetector(GroundedDetector):
    """transformers GroundingDINO (or MM-GroundingDINO) as a grounded detector.

    A box is kept when its best token probability exceeds ``box_threshold`` (over every
    prompt token, as the official inference does). Its phrase is the one whose tokens score
    highest (``assign='max'``) or, as the official ``phrases2classes`` matching tends to, the
    first phrase in list order (``assign='first'``), among phrases with a token above
    ``text_threshold``; ``-1`` if none.

    Args:
        path: local Hugging Face folder (model + processor).
        model_class: ``'GroundingDinoForObjectDetection'`` or
            ``'MMGroundingDinoForObjectDetection'``.
        assign: ``'max'`` or ``'first'``.
        device: torch device.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        model_class: str = "GroundingDinoForObjectDetection",
        assign: str = "max",
        device: str | torch.device = "cpu",
    ) -> None:
        super().__init__()
        import transformers

        if model_class not in GDINO_CLASSES:
            raise ValueError(f"model_class: expected one of {GDINO_CLASSES}, got {model_class!r}")
        if assign not in ("max", "first"):
            raise ValueError(f"assign: expected 'max' or 'first', got {assign!r}")
        what = f"transformers {model_class} folder"
        self.model = (
            load_hf_pretrained(getattr(transformers, model_class), path, what, HF_HOW)
            .to(device)
            .eval()
        )
        self.processor = load_hf_pretrained(transformers.GroundingDinoProcessor, path, what, HF_HOW)
        self.assign = assign

    def _token_phrase(self, prompt: str, spans: list[tuple[int, int]]) -> torch.Tensor:
        """``(L,)`` phrase index of every prompt token (``-1``: special tokens, '.')."""
        offsets = self.processor.tokenizer(prompt, return_offsets_mapping=True)["offset_mapping"]
        index = torch.full((len(offsets),), -1, dtype=torch.long)
        for t, (start, end) in enumerate(offsets):
            for i, (s, e) in enumerate(spans):
                if end > start and s <= start < e:
                    index[t] = i
        return index

    @torch.inference_mode()
    def detect(
        self,
        image,
        phrases,
        box_threshold: float = SSC_BOX_THRESHOLD,
        text_threshold: float = SSC_TEXT_THRESHOLD,
    ) -> Detections:
        """See :meth:`GroundedDetector.detect`."""
        image, phrases = check_image(image), check_phrases(phrases)
        prompt, spans = grounding_prompt(phrases)
        enc = self.processor(images=image, text=prompt, return_tensors="pt")
        device = next(self.model.parameters()).device
        out = self.model(**{k: v.to(device) for k, v in enc.items()})
        n_tokens = enc["input_ids"].shape[1]
        probs = out.logits[0, :, :n_tokens].float().sigmoid().cpu()  # (Q, L)
        box_scores = probs.max(dim=1).values
        keep = box_scores > box_threshold
        probs = probs[keep]
        token_phrase = self._token_phrase(prompt, spans)
        phrase_scores = torch.stack(  # (K, P) best token probability of each phrase
            [probs[:, token_phrase == i].max(dim=1).values for i in range(len(phrases))], dim=1
        )
        above = phrase_scores > text_threshold
        if self.assign == "max":
            index = phrase_scores.masked_fill(~above, -1.0).argmax(dim=1)
        else:
            index = above.long().argmax(dim=1)  # first True
        index = torch.where(above.any(dim=1), index, torch.full_like(index, -1))
        height, width = image.shape[:2]
        boxes = _xyxy_pixels(out.pred_boxes[0][keep.to(device)].cpu(), width, height)
        return Detections(boxes, box_scores[keep], index)


@FOUNDATION_MODELS.register_module()
class OWLv2Detector(GroundedDetector):
    """transformers OWLv2 (``Owlv2ForObjectDetection``) as a grounded detector.

    Each box gets the phrase with the highest sigmoid score; it is kept when that score
    exceeds both ``box_threshold`` and ``text_threshold`` (OWLv2 has one score per box and
    phrase). Phrases longer than the text tower's positions (16 tokens) are truncated. OWLv2
    predicts boxes on the image padded to a square (bottom/right); they are
    scaled to that square and clipped to the image.

    Args:
        path: local Hugging Face folder (model + processor).
        device: torch device.
    """

    def __init__(self, path: str | os.PathLike, *, device: str | torch.device = "cpu") -> None:
        super().__init__()
        from transformers import Owlv2ForObjectDetection, Owlv2Processor

        what = "transformers Owlv2ForObjectDetection folder"
        self.model = (
            load_hf_pretrained(Owlv2ForObjectDetection, path, what, HF_HOW).to(device).eval()
        )
        self.processor = load_hf_pretrained(Owlv2Processor, path, what, HF_HOW)
        self.text_positions = int(self.model.config.text_config.max_position_embeddings)

    @torch.inference_mode()
    def detect(
        self,
        image,
        phrases,
        box_threshold: float = SSC_BOX_THRESHOLD,
        text_threshold: float = SSC_TEXT_THRESHOLD,
    ) -> Detections:
        """See :meth:`GroundedDetector.detect`."""
        image, phrases = check_image(image), check_phrases(phrases)
        # OWLv2's text tower has 16 positions: longer phrases (whole referring expressions)
        # are cut, keeping the end-of-text token that the tower pools.
        enc = self.processor(
            text=[phrases],
            images=image,
            return_tensors="pt",
            padding="max_length",
            truncation=True,
            max_length=self.text_positions,
        )
        device = next(self.model.parameters()).device
        out = self.model(**{k: v.to(device) for k, v in enc.items()})
        scores, index = out.logits[0].float().sigmoid().max(dim=-1)
        keep = (scores > box_threshold) & (scores > text_threshold)
        height, width = image.shape[:2]
        side = float(max(height, width))
        boxes = _xyxy_pixels(out.pred_boxes[0][keep].cpu(), side, side)
        limits = torch.tensor([width, height, width, height], dtype=boxes.dtype)
        boxes = torch.minimum(boxes.clamp(min=0), limits)
        return Detections(boxes, scores[keep].cpu(), index[keep].cpu().long())
