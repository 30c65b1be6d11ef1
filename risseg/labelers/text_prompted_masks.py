"""Every instance an expression names: grounded boxes + box-prompted masks, or SAM 3."""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.foundation.grounded_detector import SSC_BOX_THRESHOLD, SSC_TEXT_THRESHOLD
from risseg.foundation.mask_generator import best_of_multimask
from risseg.labelers.base import BaseProposalLabeler, BasePseudoLabeler
from risseg.labelers.sam_proposals import build_part
from risseg.registry import FOUNDATION_MODELS, LABELERS
from risseg.structures import RISDataSample, SampleList


@LABELERS.register_module()
class TextPromptedMaskLabeler(BasePseudoLabeler):
    """All instance masks of the phrase(s) of a referring expression.

    Composed by config from foundation parts, in one of two ways:

    * ``detector`` + ``mask_generator`` (S+S+C's "Segment" stage): the grounded detector finds
      the phrase's boxes (``box_threshold`` / ``text_threshold``, S+S+C: 0.35 / 0.25; boxes
      assigned to no phrase are dropped), the mask generator segments each box and keeps its
      best candidate (highest predicted IoU among SAM's 3 when ``multimask``). An instance's
      score is its box score.
    * ``text_mask_generator`` (SAM 3): the phrase's instance masks and scores directly.

    The phrase is the whole expression, or what ``text_parser`` makes of it: its method
    ``parser_method`` (e.g. :class:`~risseg.foundation.text_parser.SpacyTextParser`'s
    ``head_noun``, or ``subject_nouns`` for S+S+C's nouns), or the parser itself when
    ``parser_method`` is None; it maps the expression to a phrase or a list of phrases (an
    empty result falls back to the expression). With ``parser_input='texts'`` the parser gets
    all sentences of the referent (the metainfo ``texts``, e.g. ``PackRISInputs(meta_keys=
    (..., 'texts'))`` without ``SelectSentence``): S+S+C's ``most_likely_noun`` works per ref.
    With ``retry_template`` (S+S+C: ``'all {}s'``), a detector that assigns no box to the
    phrases is asked once more with each phrase put into the template.

    With ``image_query`` (two-stage only; S+S+C's release), the detector is asked once per
    image with the union of the phrases of every ref of the image (the metainfo
    ``image_texts``: one sentence list per ref, set by
    :func:`~risseg.apis.instance_masks.generate_instance_masks`), so that each box goes to the
    best of all the image's phrases; a ref keeps the boxes assigned to its own phrases. The
    boxes and masks of the last image are cached for its other refs.

    Every sample gets ``pseudo_instances`` (PixelData, bool ``(K, H, W)``, K may be 0, highest
    score first) with the metainfo ``pseudo_instance_scores`` (K floats), and, as every
    :class:`BasePseudoLabeler`, ``pseudo_mask`` = their union ``(1, H, W)`` with
    ``pseudo_score`` = the highest instance score (0.0 without instances).

    Args:
        detector: a grounded detector (``detect(image, phrases, box_threshold,
            text_threshold) -> Detections``), config or built.
        mask_generator: a promptable mask generator, config or built (with ``detector``).
        text_mask_generator: a text-prompted mask generator, config or built (alone).
        text_parser: a FOUNDATION_MODELS config or built parser; None queries the expression.
        parser_method: the parser's method to call, or None to call the parser.
        box_threshold: the detector's box score threshold.
        text_threshold: the detector's phrase score threshold.
        multimask: ask the mask generator for 3 candidates per box and keep the best.
        max_instances: keep at most this many instances per sample.
        parser_input: ``'text'`` (one expression) or ``'texts'`` (all sentences of the ref).
        retry_template: format string of the second detector query, or None for no retry.
        image_query: one detector query per image with all its refs' phrases.
    """

    output = "pseudo_instances"

    def __init__(
        self,
        detector: dict | torch.nn.Module | None = None,
        mask_generator: dict | torch.nn.Module | None = None,
        text_mask_generator: dict | torch.nn.Module | None = None,
        text_parser: dict | object | None = None,
        *,
        parser_method: str | None = "head_noun",
        box_threshold: float = SSC_BOX_THRESHOLD,
        text_threshold: float = SSC_TEXT_THRESHOLD,
        multimask: bool = True,
        max_instances: int | None = None,
        parser_input: str = "text",
        retry_template: str | None = None,
        image_query: bool = False,
    ) -> None:
        super().__init__()
        two_stage = detector is not None or mask_generator is not None
        if two_stage == (text_mask_generator is not None):
            raise ValueError(
                "TextPromptedMaskLabeler: give `detector` + `mask_generator`, or "
                "`text_mask_generator`, not both and not neither."
            )
        if two_stage:
            self.detector = build_part(detector, "detector")
            self.mask_generator = build_part(mask_generator, "mask_generator")
            if not getattr(self.mask_generator, "promptable", True):
                raise ValueError(f"{type(self.mask_generator).__name__} takes no box prompts.")
        else:
            self.text_mask_generator = build_part(text_mask_generator, "text_mask_generator")
        self.two_stage = two_stage
        parser = text_parser
        parser = FOUNDATION_MODELS.build(parser) if isinstance(parser, dict) else parser
        self.text_parser = (
            parser if parser is None or parser_method is None else getattr(parser, parser_method)
        )
        self.box_threshold = box_threshold
        self.text_threshold = text_threshold
        self.multimask = multimask
        self.max_instances = max_instances
        if parser_input not in ("text", "texts"):
            raise ValueError(f"parser_input must be 'text' or 'texts', got {parser_input!r}.")
        self.parser_input = parser_input
        self.retry_template = retry_template
        if image_query and not two_stage:
            raise ValueError("TextPromptedMaskLabeler: image_query needs `detector`.")
        self.image_query = image_query
        self._cache: tuple | None = None  # (image key, query, (masks, scores, phrase ids))

    def phrases_of(self, text: str | list[str]) -> list[str]:
        """The phrase(s) queried for one expression (or, ``parser_input='texts'``, for the
        list of a referent's sentences)."""
        out = text if self.text_parser is None else self.text_parser(text)
        phrases = [out] if isinstance(out, str) else list(out)
        phrases = [p for p in phrases if p and p.strip()]
        return phrases or ([text] if isinstance(text, str) else list(text[:1]))

    def _detect(self, image: Tensor, phrases: list[str]):
        """Detections assigned to a phrase, retried once through ``retry_template``."""
        dets = self.detector.detect(image, phrases, self.box_threshold, self.text_threshold)
        if self.retry_template is not None and not bool((dets.phrase_index >= 0).any()):
            retry = [self.retry_template.format(p) for p in phrases]
            dets = self.detector.detect(image, retry, self.box_threshold, self.text_threshold)
        return dets

    def _boxes_and_masks(
        self, image, query: list[str], key: object = None
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Assigned boxes of ``query`` segmented: masks (N, H, W), scores (N,), phrase ids (N,).

        Cached for the next call with the same ``key`` (not None) and query.
        """
        if key is not None and self._cache is not None and self._cache[:2] == (key, query):
            return self._cache[2]
        dets = self._detect(image, query)
        keep = dets.phrase_index >= 0
        boxes, scores = dets.boxes[keep], dets.scores[keep].float()
        if len(boxes):
            masks, _ = best_of_multimask(
                *self.mask_generator.predict(image, boxes=boxes, multimask=self.multimask)
            )
        else:
            m = 3 if self.multimask else 1
            masks = self.mask_generator.empty_prediction(0, m, image.shape[:2])[0][:, 0]
        out = (masks, scores, dets.phrase_index[keep])
        self._cache = (key, query, out) if key is not None else None
        return out

    def segment(
        self,
        image: Tensor,
        text: str | list[str],
        image_texts: list[list[str]] | None = None,
        image_key: object = None,
    ) -> tuple[Tensor, Tensor]:
        """Instances of one (H, W, 3) uint8 image: bool (K, H, W) and scores (K,), best first.

        ``image_texts`` (with ``image_query``): the sentence lists of every ref of the image,
        whose phrases are queried together; ``image_key`` names the image for the cache.
        """
        phrases = self.phrases_of(text)
        if self.two_stage:
            query = phrases
            if image_texts is not None:
                union = {p for texts in image_texts for p in self.phrases_of(texts)}
                query = sorted(union | set(phrases))
            masks, scores, index = self._boxes_and_masks(image, query, image_key)
            own = torch.tensor([query[int(i)] in phrases for i in index], dtype=torch.bool)
            masks, scores = masks[own.to(masks.device)], scores[own]
        else:
            pairs = self.text_mask_generator.segment(image, phrases)
            masks = torch.cat([p[0] for p in pairs])
            scores = torch.cat([p[1].float() for p in pairs])
        order = torch.argsort(-scores.cpu(), stable=True)[: self.max_instances]
        return masks.cpu().bool()[order], scores.cpu()[order]

    @torch.no_grad()
    def forward(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Label a batch.

        Args:
            inputs: (B, 3, H, W) uint8 RGB images (cropped to each ``img_shape``).
            data_samples: the B samples, each with the metainfo ``text`` (``texts``, a list
                of strings, with ``parser_input='texts'``).

        Returns:
            The samples with ``pseudo_instances``, ``pseudo_instance_scores``,
            ``pseudo_mask`` (1, H, W) and ``pseudo_score``.
        """
        for i, sample in enumerate(data_samples):
            image = BaseProposalLabeler.image_of(inputs, i, sample).cpu().numpy()
            query = _texts_of(sample, i) if self.parser_input == "texts" else _text_of(sample, i)
            image_texts = _image_texts_of(sample, i) if self.image_query else None
            key = sample.metainfo.get("img_path", sample.metainfo.get("image_id"))
            masks, scores = self.segment(image, query, image_texts, key if image_texts else None)
            sample.pseudo_instances = PixelData(data=masks)
            sample.pseudo_mask = PixelData(data=masks.any(dim=0, keepdim=True))
            sample.set_metainfo(
                dict(
                    pseudo_instance_scores=[float(s) for s in scores],
                    pseudo_score=float(scores.max()) if len(scores) else 0.0,
                )
            )
        return data_samples


def _text_of(sample: RISDataSample, index: int) -> str:
    """The expression of a sample, else an error naming it."""
    text = sample.metainfo.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            f"TextPromptedMaskLabeler: sample {index} (image_id "
            f"{sample.metainfo.get('image_id')}) has no `text` expression."
        )
    return text


def _texts_of(sample: RISDataSample, index: int) -> list[str]:
    """All sentences of a sample's referent, else an error naming it."""
    texts = sample.metainfo.get("texts")
    if not isinstance(texts, (list, tuple)) or not any(isinstance(t, str) for t in texts):
        raise ValueError(
            f"TextPromptedMaskLabeler: sample {index} (ref_id {sample.metainfo.get('ref_id')}) "
            "has no `texts` list; add 'texts' to PackRISInputs' meta_keys."
        )
    return [t for t in texts if isinstance(t, str) and t.strip()]


def _image_texts_of(sample: RISDataSample, index: int) -> list[list[str]]:
    """The sentence lists of every ref of a sample's image, else an error naming it."""
    texts = sample.metainfo.get("image_texts")
    if not isinstance(texts, (list, tuple)) or not texts:
        raise ValueError(
            f"TextPromptedMaskLabeler: sample {index} (ref_id {sample.metainfo.get('ref_id')}) "
            "has no `image_texts`; image_query=True runs under tools/generate_pseudo_labels.py."
        )
    return [list(t) if isinstance(t, (list, tuple)) else [t] for t in texts]
