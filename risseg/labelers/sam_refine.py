"""SemiRES's refinement of teacher pseudo masks with SAM proposals: IOM, CPI and PWA.

Paper: "SAM as the Guide: Mastering Pseudo-Label Refinement in Semi-Supervised Referring
Expression Segmentation", ICML 2024 (https://arxiv.org/abs/2406.01451).
"""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BasePseudoLabeler
from risseg.registry import LABELERS
from risseg.structures import SampleList

STRATEGIES = ("iom", "cpi", "pwa", "top")  # 'top' is a risseg option, not SemiRES
DEFAULT_THR = {"iom": 0.5, "cpi": 0.7, "top": 0.5}


def iom_refine(
    pred: Tensor, proposals: Tensor, iou_thr: float = 0.5
) -> tuple[Tensor | None, float]:
    """IoU-based Optimal Matching ("IMR" in some write-ups): the best single SAM mask.

    Args:
        pred: (H, W) bool teacher mask.
        proposals: (N, H, W) bool SAM masks in the same frame.
        iou_thr: a proposal matches when its IoU with ``pred`` is strictly above this.

    Returns:
        The matched proposal (H, W) bool, or None when none matches; and the best IoU.
    """
    if proposals.shape[0] == 0:
        return None, 0.0
    p = pred[None]
    inter = (proposals & p).flatten(1).sum(1).float()
    union = (proposals | p).flatten(1).sum(1).float()
    iou = torch.where(union > 0, inter / union.clamp_min(1), torch.zeros_like(inter))
    best = int(iou.argmax())
    if iou[best] > iou_thr:
        return proposals[best].clone(), float(iou[best])
    return None, float(iou[best])


def cpi_refine(
    pred: Tensor, proposals: Tensor, ratio_thr: float = 0.7
) -> tuple[Tensor | None, float]:
    """Composite Parts Integration: the union of SAM masks that are parts of, or cover, pred.

    A proposal S qualifies when |S ∩ c| / |c| > ``ratio_thr`` (it covers most of the teacher
    mask c) or |S ∩ c| / |S| > ``ratio_thr`` (it lies mostly inside c).

    Args:
        pred: (H, W) bool teacher mask c.
        proposals: (N, H, W) bool SAM masks.
        ratio_thr: threshold of both ratios.

    Returns:
        The union (H, W) bool, or None when no proposal qualifies; and the number of parts.
    """
    if proposals.shape[0] == 0 or not pred.any():
        return None, 0.0
    inter = (proposals & pred[None]).flatten(1).sum(1).float()
    r_pred = inter / (pred.sum().float() + 1e-9)
    r_prop = inter / proposals.flatten(1).sum(1).float().clamp_min(1)
    keep = (r_pred > ratio_thr) | (r_prop > ratio_thr)
    if not keep.any():
        return None, 0.0
    return proposals[keep].any(0), float(keep.sum())


def top_refine(
    p_fg: Tensor, proposals: Tensor, score_thr: float = 0.5
) -> tuple[Tensor | None, float]:
    """Top-scoring proposal: the SAM mask on which the teacher is most confident.

    Not a SemiRES strategy (a risseg option): where IOM and CPI start from the teacher's hard
    mask and keep whatever object it chose, this scores every proposal by the teacher's mean
    foreground probability inside it, so the teacher's choice of object is made among whole
    proposals.

    Args:
        p_fg: (H, W) float teacher foreground probability.
        proposals: (N, H, W) bool SAM masks in the same frame.
        score_thr: the best proposal matches when its mean p_fg is strictly above this.

    Returns:
        The best proposal (H, W) bool, or None when none scores above ``score_thr``; and its
        score (0.0 without proposals; an empty proposal scores 0).
    """
    if proposals.shape[0] == 0:
        return None, 0.0
    area = proposals.flatten(1).sum(1).float()
    mass = (proposals.float() * p_fg[None].float()).flatten(1).sum(1)
    score = mass / area.clamp_min(1)
    best = int(score.argmax())
    if score[best] > score_thr:
        return proposals[best].clone(), float(score[best])
    return None, float(score[best])


def refine_batch(
    preds: Tensor,
    proposals: list[Tensor],
    strategy: str,
    thr: float | None = None,
    p_fg: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Refine a batch of teacher masks.

    Args:
        preds: (B, H, W) bool teacher masks.
        proposals: B tensors (N_i, H, W) bool in the same frame.
        strategy: ``'iom'``, ``'cpi'``, ``'top'`` or ``'pwa'`` (no refinement: every sample
            unmatched).
        thr: the strategy's threshold (IoU 0.5 for IOM, ratio 0.7 for CPI, mean p_fg 0.5 for
            top by default).
        p_fg: (B, H, W) float teacher foreground probabilities; needed by ``'top'`` only.

    Returns:
        refined (B, H, W) bool (the teacher mask where unmatched) and matched (B,) bool.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown refinement strategy {strategy!r}; choose from {STRATEGIES}.")
    if strategy == "top" and (p_fg is None or p_fg.shape != preds.shape):
        got = None if p_fg is None else tuple(p_fg.shape)
        raise ValueError(
            f"Strategy 'top' needs p_fg of the masks' shape {tuple(preds.shape)}, got {got}."
        )
    refined = preds.clone()
    matched = torch.zeros(len(preds), dtype=torch.bool, device=preds.device)
    if strategy == "pwa":
        return refined, matched
    thr = DEFAULT_THR[strategy] if thr is None else thr
    for b, (pred, props) in enumerate(zip(preds, proposals, strict=True)):
        if props.shape[-2:] != pred.shape:
            raise ValueError(
                f"Sample {b}: proposals {tuple(props.shape)} vs mask {tuple(pred.shape)}."
            )
        props = props.to(pred.device).bool()
        if strategy == "top":
            mask, _ = top_refine(p_fg[b], props, thr)
        else:
            mask, _ = (iom_refine if strategy == "iom" else cpi_refine)(pred, props, thr)
        if mask is not None:
            refined[b], matched[b] = mask, True
    return refined, matched


@LABELERS.register_module()
class SAMRefineLabeler(BasePseudoLabeler):
    """Refine each sample's ``pseudo_mask`` (e.g. a teacher prediction) with its ``proposals``.

    Reads ``pseudo_mask`` bool (1, H, W) and ``proposals`` bool (N, H, W) (same frame), and
    for ``'top'`` the teacher's foreground probability ``pseudo_prob`` float (1, H, W) when a
    sample has it (otherwise the mask itself, as 0/1); writes the refined ``pseudo_mask`` and
    the metainfo ``pseudo_score`` (1.0 when a proposal matched, else 0.0), ``sam_matched`` and
    ``pseudo_keep`` (both True when a proposal matched). ``SemiRESSegmentor`` builds it from
    ``pseudo_labeler=dict(type='SAMRefineLabeler', strategy=...)`` and trains the kept masks with
    its plain loss, the others (the teacher mask itself) with PWA weights.

    Args:
        strategy: ``'iom'`` (best single proposal with IoU > 0.5), ``'cpi'`` (union of
            parts, ratio > 0.7), ``'top'`` (the proposal with the highest mean foreground
            probability, above 0.5; a risseg option) or ``'pwa'`` (keep the teacher mask).
        thr: override of the strategy's threshold.
    """

    def __init__(self, strategy: str = "iom", thr: float | None = None) -> None:
        super().__init__()
        if strategy not in STRATEGIES:
            raise ValueError(f"Unknown refinement strategy {strategy!r}; choose from {STRATEGIES}.")
        self.strategy = strategy
        self.thr = thr

    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Refine; ``inputs`` is unused."""
        if not data_samples:
            return data_samples
        preds = torch.stack([s.pseudo_mask.data[0].bool() for s in data_samples])
        props = [s.proposals.data.bool() for s in data_samples]
        p_fg = None
        if self.strategy == "top":
            p_fg = torch.stack(
                [
                    s.pseudo_prob.data[0].float() if "pseudo_prob" in s else m.float()
                    for s, m in zip(data_samples, preds, strict=True)
                ]
            )
        refined, matched = refine_batch(preds, props, self.strategy, self.thr, p_fg)
        for s, mask, ok in zip(data_samples, refined, matched, strict=True):
            s.pseudo_mask = PixelData(data=mask[None])
            s.set_metainfo(dict(pseudo_score=float(ok), sam_matched=bool(ok), pseudo_keep=bool(ok)))
        return data_samples
