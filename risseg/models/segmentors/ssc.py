"""S+S+C's Correct stage: LAVT trained on candidate instance masks with an assignment loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import Tensor

from risseg.models.heads.base import input_shape_of
from risseg.models.losses.ssc_matching import assign_greedy, assign_random, soft_iou
from risseg.models.segmentors.lavt import LAVTSegmentor
from risseg.registry import MODELS
from risseg.structures import SampleList

LOSS_MODES = ("random_ce", "greedy_ce")


@MODELS.register_module()
class SSCLAVTSegmentor(LAVTSegmentor):
    """LAVT whose training target is one of each item's candidate instances (S+S+C Correct).

    Training samples carry ``pseudo_instances`` (bool (K, H, W) in the input frame, from
    ``LoadPseudoInstances``; no GT mask is read) and the metainfo ``image_id`` / ``ref_id``.
    ``train_cfg['loss_mode']`` picks each item's target
    (:mod:`risseg.models.losses.ssc_matching`): ``random_ce`` (pre-training on the Select
    stage's single masks: plain CE) or ``greedy_ce`` (constrained greedy matching on the
    model's own foreground probabilities over all Segment candidates). The head's loss (LAVT:
    CE with class weights 0.9 / 1.1) is taken over the items with a target and scaled by
    their share of the batch, as the release sums item losses and divides by the batch size.
    Inference is LAVT's.

    Args:
        train_cfg: ``loss_mode`` (default ``'greedy_ce'``).
        **kwargs: see :class:`LAVTSegmentor`.
    """

    def __init__(self, *args, train_cfg: dict | None = None, **kwargs) -> None:
        super().__init__(*args, train_cfg=train_cfg, **kwargs)
        self.loss_mode = self.train_cfg.get("loss_mode", "greedy_ce")
        if self.loss_mode not in LOSS_MODES:
            raise ValueError(f"train_cfg.loss_mode must be one of {LOSS_MODES}: {self.loss_mode!r}")
        if not hasattr(self.head, "loss_by_logits"):
            raise TypeError(
                f"SSCLAVTSegmentor needs a head with loss_by_logits (e.g. LAVTDecoderHead), "
                f"got {type(self.head).__name__}"
            )

    def _candidates(self, samples: SampleList, shape: tuple[int, int]) -> list[Tensor]:
        """Each sample's (K, H, W) candidates, zero-padded to the input ``shape``."""
        out = []
        for s in samples:
            if "pseudo_instances" not in s:
                raise KeyError(
                    f"SSCLAVTSegmentor: sample ref_id={s.metainfo.get('ref_id')} has no "
                    "pseudo_instances; add LoadPseudoInstances after PackRISInputs."
                )
            m = s.pseudo_instances.data.bool()
            out.append(F.pad(m, (0, shape[1] - m.shape[-1], 0, shape[0] - m.shape[-2])))
        return out

    def assign(
        self, samples: SampleList, fg: Tensor | None = None
    ) -> tuple[list[int | None], list[Tensor]]:
        """Per item the chosen candidate index (or None), and the candidates.

        Args:
            samples: B samples with ``pseudo_instances`` and ``image_id`` / ``ref_id``.
            fg: (B, H, W) foreground probabilities at the padded input size; needed by
                ``greedy_ce`` (its soft IoUs), ignored by ``random_ce``.

        Returns:
            B indices into each item's candidates (None: no target), and the B (K_i, H, W)
            bool candidates padded to the input size.
        """
        cands = self._candidates(samples, input_shape_of(samples))
        image_ids = [int(s.metainfo.get("image_id", i)) for i, s in enumerate(samples)]
        ref_ids = [int(s.metainfo.get("ref_id", i)) for i, s in enumerate(samples)]
        if self.loss_mode == "random_ce":
            return assign_random(cands, image_ids, ref_ids), cands
        if fg is None:
            raise ValueError("greedy_ce assigns from the foreground probabilities: pass fg")
        scores = [soft_iou(p, c.to(p.device)) for p, c in zip(fg, cands, strict=True)]
        return assign_greedy(scores, cands, image_ids, ref_ids), cands

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """The head's losses on the assigned candidates (keys ``loss_*``).

        One head pass, as in the release: its detached softmax drives the assignment and the
        same logits take the loss.
        """
        feats = self.extract_feat(inputs, data_samples)
        logits = self.head.seg_logits(feats, data_samples)  # (B, 2, H, W)
        choice, cands = self.assign(data_samples, logits.detach().softmax(dim=1)[:, 1])
        keep = [i for i, c in enumerate(choice) if c is not None]
        if not keep:
            zero = logits.sum() * 0.0
            return dict(loss_ce=zero, num_targets=zero.detach())
        chosen = []
        for i in keep:
            sample = data_samples[i].clone()
            sample.gt_mask = PixelData(data=cands[i][choice[i]][None])
            chosen.append(sample)
        losses = self.head.loss_by_logits(logits[keep], chosen)
        share = len(keep) / len(data_samples)
        out = {k: v * share if k.startswith("loss") else v for k, v in losses.items()}
        out["num_targets"] = torch.tensor(float(len(keep)), device=inputs.device)
        return out
