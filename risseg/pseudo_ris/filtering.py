"""Pseudo-RIS distinctiveness scores and text filtering.

For mask ``i`` of an image and each of its candidates ``c``::

    S_m(j, c) = CLIP logit(masked view of mask j, noun prompt of c)
    S_c(j, c) = CLIP logit(context view (margin 1.2) of mask j, c)
    D(i, c)   = S_m(i, c) * S_c(i, c) / max_{j != i} S_m(j, c) * S_c(j, c)

(one-mask images: ``D(i, c) = S_m(i, c)``). The noun prompt is "a photo of a {head noun}"
("a photo of {noun}" when the noun starts with an article). Filtering keeps ``D > 1`` (all
candidates when none passes); one-mask images keep the better half by ``D``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from risseg.foundation.image_text_scorer import ImageTextScorer
from risseg.pseudo_ris.views import crop_views, input_spec

ARTICLES = ("a", "an", "the")
RULES = ("release", "top_k")


def noun_prompt(noun: str) -> str:
    """ "a photo of a {noun}", or "a photo of {noun}" when ``noun`` starts with an article."""
    words = noun.split()
    return (
        f"a photo of {noun}" if words and words[0].lower() in ARTICLES else f"a photo of a {noun}"
    )


def distinctiveness(s_m: torch.Tensor, s_c: torch.Tensor, target: int) -> torch.Tensor:
    """``D(target, c)`` for every candidate.

    Args:
        s_m: ``(M, C)`` masked-view logits of every mask with the target's noun prompts.
        s_c: ``(M, C)`` context-view logits of every mask with the target's captions.
        target: the target mask's row.

    Returns:
        ``(C,)`` scores (``s_m[target]`` when ``M == 1``).
    """
    if s_m.shape[0] == 1:
        return s_m[0].clone()
    prod = s_m * s_c
    others = torch.cat([prod[:target], prod[target + 1 :]])
    return prod[target] / others.max(dim=0).values


def keep_indices(doc: Sequence[float], one_mask: bool, rule: str = "release", k: int = 30):
    """Indices of the candidates a training sample draws from.

    Args:
        doc: the candidates' distinctiveness scores.
        one_mask: the image has one mask.
        rule: ``'release'`` (``D > 1``, all when none passes; one-mask images: the better
            half by ``D``) or ``'top_k'`` (the ``k`` highest).
        k: candidates kept by ``'top_k'``.

    Returns:
        sorted list of indices.
    """
    if rule not in RULES:
        raise ValueError(f"rule: expected one of {RULES}, got {rule!r}")
    doc = np.asarray(doc, dtype=np.float64)
    order = np.argsort(-doc, kind="stable")
    if rule == "top_k":
        return sorted(order[:k].tolist())
    if one_mask:
        return sorted(order[: len(doc) // 2].tolist())
    passed = np.nonzero(doc > 1.0)[0].tolist()
    return passed or list(range(len(doc)))


class DistinctivenessScorer:
    """Distinctiveness of every candidate of every mask of an image (CLIP + head nouns).

    Args:
        scorer: an :class:`ImageTextScorer` with ``transform`` (its evaluation transform).
        text_parser: an object with ``head_noun(text) -> str`` (``SpacyTextParser``).
        masked_margin, context_margin: the two views' margins (1.0 masked, 1.2 context).
        pad: crop padding (:func:`~risseg.pseudo_ris.views.crop_views`).
    """

    def __init__(
        self,
        scorer: ImageTextScorer,
        text_parser,
        *,
        masked_margin: float = 1.0,
        context_margin: float = 1.2,
        pad: str = "mean_colour",
    ) -> None:
        self.scorer = scorer
        self.parser = text_parser
        self.size, self.mean, self.std = input_spec(scorer.transform)
        self.margins = (masked_margin, context_margin)
        self.pad = pad

    def __call__(self, image: np.ndarray, masks: np.ndarray, captions: list[list[str]]):
        """Scores and head nouns.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            masks: bool ``(M, H, W)``.
            captions: ``M`` candidate lists.

        Returns:
            ``(doc, nouns)``: per mask, a list of ``D`` values and a list of head nouns.
        """
        if len(masks) == 0:
            return [], []
        views = crop_views(
            image,
            masks,
            self.size,
            margins=self.margins,
            mean=self.mean,
            std=self.std,
            pad=self.pad,
        )
        masked = self.scorer.encode_images(views[0])
        context = self.scorer.encode_images(views[1])
        docs, nouns = [], []
        for i, cands in enumerate(captions):
            heads = [self.parser.head_noun(c) if c.strip() else c for c in cands]
            s_m = self.scorer.similarity(masked, self.scorer.encode_texts(map_prompts(heads)))
            s_c = self.scorer.similarity(context, self.scorer.encode_texts(cands))
            docs.append([float(d) for d in distinctiveness(s_m, s_c, i)])
            nouns.append(heads)
        return docs, nouns


def map_prompts(nouns: Sequence[str]) -> list[str]:
    """:func:`noun_prompt` of every noun."""
    return [noun_prompt(n) for n in nouns]
