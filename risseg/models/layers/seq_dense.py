"""The dense auxiliary of the SeqTR head (a risseg addition, not in SeqTR).

:class:`DenseLocaliser` predicts, per cell of the encoder's visual memory, the fraction covered
by the referent and owns its loss (BCE + Dice); :class:`DenseGuidedStart` turns that map into
an additive start token for the decoder. Both subclass ``nn.Linear`` so that their parameters
are ``<name>.weight`` / ``<name>.bias`` (checkpoints keep ``head.dense_pred.*`` and
``head.start_proj.*``). Why they exist: docs/methods/seqtr.md, "Training from scratch".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.layers.seq_targets import pad_shape_of
from risseg.models.losses.dice_loss import DiceLoss
from risseg.structures import SampleList


class DenseLocaliser(nn.Linear):
    """Per-cell referent coverage from the visual memory, and its loss.

    Targets are the GT mask for mask-supervised samples and the filled GT box for
    box-supervised ones (with ``box_targets``) and for every sample of the box task.

    Args:
        dim: memory width d.
        task: the head's task, 'mask' or 'box'.
        box_targets: in the mask task, also train on box-supervised samples.
    """

    def __init__(self, dim: int, *, task: str = "mask", box_targets: bool = True) -> None:
        super().__init__(dim, 1)
        self.task = task
        self.box_targets = box_targets
        self.dice = DiceLoss()

    def forward(self, grid: Tensor) -> Tensor:
        """(B, h, w, d) visual memory -> (B, h, w) coverage logits."""
        return super().forward(grid).squeeze(-1)

    @torch.compiler.disable
    def targets(
        self, samples: SampleList, feat_shape: tuple[int, int], device: torch.device
    ) -> tuple[Tensor, Tensor]:
        """Per-cell referent coverage.

        Args:
            samples: B samples; ``gt_mask`` (1, H_i, W_i) in the input frame and/or
                ``gt_bbox`` (4,) xyxy in the input frame.
            feat_shape: (h, w) of the encoder's visual grid.

        Returns:
            ``targets`` (B, 1, h, w) in [0, 1] (area fraction of each cell covered by the
            referent) and ``valid`` (B,) bool, False for samples without a usable target.
        """
        h, w = feat_shape
        meta = samples[0].metainfo
        in_h, in_w = meta.get("batch_input_shape", pad_shape_of(samples[0]))[:2]
        canvas = torch.zeros(len(samples), 1, int(in_h), int(in_w), device=device)
        valid = torch.zeros(len(samples), dtype=torch.bool, device=device)
        for i, sample in enumerate(samples):
            supervision = sample.metainfo.get("supervision", "mask")
            if self.task == "mask" and supervision == "mask" and "gt_mask" in sample:
                mask = sample.gt_mask.data[0].to(device).float()
                mh, mw = min(mask.shape[0], in_h), min(mask.shape[1], in_w)
                canvas[i, 0, :mh, :mw] = mask[:mh, :mw]
                valid[i] = True
            elif "gt_bbox" in sample and (
                self.task == "box" or (supervision == "box" and self.box_targets)
            ):
                x1, y1, x2, y2 = sample.gt_bbox.tolist()
                canvas[i, 0, max(0, int(y1)) : int(round(y2)), max(0, int(x1)) : int(round(x2))] = 1
                valid[i] = True
        return F.adaptive_avg_pool2d(canvas, (h, w)), valid

    def loss(self, dense_logits: Tensor, samples: SampleList) -> Tensor:
        """BCE + Dice of (B, h, w) coverage logits over the samples with a target (else 0)."""
        logits = dense_logits[:, None]  # (B, 1, h, w)
        targets, valid = self.targets(samples, tuple(dense_logits.shape[-2:]), logits.device)
        if not bool(valid.any()):
            return logits.sum() * 0.0
        logits, targets = logits[valid], targets[valid]
        return F.binary_cross_entropy_with_logits(logits, targets) + self.dice(logits, targets)


class DenseGuidedStart(nn.Linear):
    """Start-token content: memory + position pooled with the softmax of the dense map.

    Args:
        dim: memory width d.
    """

    def __init__(self, dim: int) -> None:
        super().__init__(dim, dim)

    def forward(self, dense: Tensor, pad_mask: Tensor, memory: Tensor, pos: Tensor) -> Tensor:
        """Pool and project.

        Args:
            dense: (B, h, w) coverage logits; pad_mask: (B, h, w) True on padding cells.
            memory, pos: (B, S, d) encoder memory and positional codes (S >= h * w; the first
                h * w entries are the visual cells).

        Returns:
            (B, 1, d) content added to the decoder's start token.
        """
        cells = dense.shape[-2] * dense.shape[-1]
        weights = dense.flatten(1).masked_fill(pad_mask.flatten(1), float("-inf"))
        weights = weights.softmax(-1)[:, None]  # (B, 1, h*w)
        pooled = weights @ (memory[:, :cells] + pos[:, :cells])  # (B, 1, d)
        return super().forward(pooled)
