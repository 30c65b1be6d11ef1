"""DETR-style set loss for per-patch open-vocabulary detectors (OWL-ViT / OWLv2 outputs).

Every patch predicts one box and one logit per text query. Each ground-truth box (with the
index of its query) is matched to one prediction by the Hungarian algorithm on a cost of
sigmoid-focal class cost + L1 + GIoU; matched predictions learn their query and box, every
other (prediction, query) pair learns "no object" through the focal loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor
from torchvision.ops import (
    box_convert,
    generalized_box_iou,
    generalized_box_iou_loss,
    sigmoid_focal_loss,
)


@dataclass
class SetLossWeights:
    """Weights of the matching cost and of the loss (DETR's / Deformable DETR's defaults).

    Attributes:
        cls: focal class term.
        l1: L1 box term (normalised ``cx, cy, w, h``).
        giou: generalised-IoU term.
        alpha: focal loss alpha.
        gamma: focal loss gamma.
    """

    cls: float = 2.0
    l1: float = 5.0
    giou: float = 2.0
    alpha: float = 0.25
    gamma: float = 2.0


def _xyxy(cxcywh: Tensor) -> Tensor:
    return box_convert(cxcywh, "cxcywh", "xyxy")


@torch.no_grad()
def hungarian_match(
    logits: Tensor,
    boxes: Tensor,
    labels: Tensor,
    gt_boxes: Tensor,
    weights: SetLossWeights | None = None,
) -> tuple[Tensor, Tensor]:
    """One image's optimal prediction <-> ground-truth assignment.

    Args:
        logits: ``(P, Q)`` class logits of P predictions for Q queries.
        boxes: ``(P, 4)`` predicted normalised ``cx, cy, w, h``.
        labels: ``(T,)`` long, the query index of each ground-truth box.
        gt_boxes: ``(T, 4)`` ground-truth normalised ``cx, cy, w, h``.
        weights: cost weights.

    Returns:
        ``(pred_index, gt_index)``, two ``(min(P, T),)`` long tensors of matched pairs.
    """
    w = weights or SetLossWeights()
    if labels.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty
    prob = logits.float()[:, labels].sigmoid()  # (P, T)
    eps = 1e-8
    pos = w.alpha * (1 - prob) ** w.gamma * -(prob + eps).log()
    neg = (1 - w.alpha) * prob**w.gamma * -(1 - prob + eps).log()
    cost = (
        w.cls * (pos - neg)
        + w.l1 * torch.cdist(boxes.float(), gt_boxes.float(), p=1)
        - w.giou * generalized_box_iou(_xyxy(boxes.float()), _xyxy(gt_boxes.float()))
    )
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
    return torch.as_tensor(rows, dtype=torch.long), torch.as_tensor(cols, dtype=torch.long)


def set_loss(
    logits: Tensor,
    boxes: Tensor,
    targets: list[tuple[Tensor, Tensor]],
    weights: SetLossWeights | None = None,
) -> dict[str, Tensor]:
    """The set loss of a batch, each term summed and divided by the number of boxes.

    Args:
        logits: ``(B, P, Q)`` class logits (the model's ``logits``).
        boxes: ``(B, P, 4)`` normalised ``cx, cy, w, h`` (the model's ``pred_boxes``).
        targets: per image ``(labels (T,) long query indices, gt_boxes (T, 4) cx cy w h)``.
        weights: loss weights.

    Returns:
        ``{'loss_cls', 'loss_l1', 'loss_giou'}`` (already weighted) and ``'loss'``, their sum.
    """
    w = weights or SetLossWeights()
    if len(targets) != logits.shape[0]:
        raise ValueError(f"set_loss: {logits.shape[0]} images but {len(targets)} targets")
    cls_target = torch.zeros_like(logits, dtype=torch.float32)
    matched_pred, matched_gt = [], []
    for b, (labels, gt_boxes) in enumerate(targets):
        pred_i, gt_i = hungarian_match(logits[b], boxes[b], labels, gt_boxes, w)
        cls_target[b, pred_i, labels[gt_i]] = 1.0
        matched_pred.append(boxes[b, pred_i])
        matched_gt.append(gt_boxes[gt_i].to(boxes))
    num = max(sum(len(t[0]) for t in targets), 1)
    pred, gt = torch.cat(matched_pred), torch.cat(matched_gt)
    loss_cls = sigmoid_focal_loss(
        logits.float(), cls_target, alpha=w.alpha, gamma=w.gamma, reduction="sum"
    )
    loss_l1 = (pred - gt).abs().sum()
    loss_giou = generalized_box_iou_loss(_xyxy(pred), _xyxy(gt), reduction="sum")
    out = {
        "loss_cls": w.cls * loss_cls / num,
        "loss_l1": w.l1 * loss_l1 / num,
        "loss_giou": w.giou * loss_giou / num,
    }
    out["loss"] = out["loss_cls"] + out["loss_l1"] + out["loss_giou"]
    return out
