"""SemiRES: teacher-student training with SAM-refined pseudo labels."""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.structures import PixelData
from torch import Tensor, nn

from risseg.engine.checkpoint import load_local_checkpoint
from risseg.labelers.base import BasePseudoLabeler, is_kept
from risseg.models.heads.base import BaseMaskHead
from risseg.models.layers.semi_views import WeakStrongViews
from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.utils import build, stack_gt_masks
from risseg.registry import LABELERS, MODELS
from risseg.structures import RISDataSample, SampleList


def _build_labeler(cfg: dict | BasePseudoLabeler) -> BasePseudoLabeler:
    """The frozen mask labeler of ``cfg`` (a LABELERS config or a labeler)."""
    labeler = LABELERS.build(cfg) if isinstance(cfg, dict) else cfg
    if not isinstance(labeler, nn.Module) or getattr(labeler, "output", None) != "pseudo_mask":
        raise TypeError(
            f"SemiRES needs a mask labeler (BasePseudoLabeler with output "
            f"'pseudo_mask'), got {type(labeler).__name__} from {cfg!r}."
        )
    return labeler.requires_grad_(False)


def _pad_to(x: Tensor, shape: tuple[int, int]) -> Tensor:
    """Zero-pad (..., h, w) at the bottom/right to (..., H, W) (as the data preprocessor)."""
    return F.pad(x, (0, shape[1] - x.shape[-1], 0, shape[0] - x.shape[-2]))


def pwa_weights(p_fg: Tensor, variance: float = 0.1, offset: float = 1.3) -> Tensor:
    """Pixel-Wise Adjustment weights: w(p) = offset - N(p; 0.5, variance).

    ``N`` is the Gaussian density with mean 0.5 and *variance* ``variance``:
    w(p) = 1.3 - exp(-(p - 0.5)^2 / (2 * 0.1)) / sqrt(2 * pi * 0.1), so uncertain pixels
    (p near 0.5) get w ~ 0.04 and confident ones (p near 0 or 1) w ~ 0.94.

    Args:
        p_fg: foreground probabilities, any shape.

    Returns:
        Weights of the same shape.
    """
    density = torch.exp(-((p_fg - 0.5) ** 2) / (2 * variance)) / math.sqrt(2 * math.pi * variance)
    return offset - density


@MODELS.register_module()
class SemiRESSegmentor(BaseRISSegmentor):
    """SemiRES (Yang et al., ICML 2024, https://arxiv.org/abs/2406.01451).

    A student and an EMA teacher of the same segmentor (LAVT). Each batch mixes labeled
    samples (``supervision == 'mask'``) and unlabeled ones (anything else, carrying SAM
    ``proposals`` bool (N, H, W) in the input frame, see ``LoadProposals``):

    1. weak/strong views of the unlabeled images (:class:`WeakStrongViews`);
    2. the student runs on [labeled, strong]; L_sup = CE(0.9/1.1) on the labeled part;
    3. the teacher (eval mode, no grad) runs on the weak views -> hard mask c and p_fg;
    4. the injected ``pseudo_labeler`` turns c into the pseudo label (SemiRES: a
       ``SAMRefineLabeler`` replaces c by SAM proposals where they match: IOM, CPI; PWA keeps c);
    5. samples whose pseudo label is kept (``pseudo_keep``, e.g. a matched proposal): CE(0.9/1.1)
       vs the pseudo label; the others: PWA, per-pixel CE times w(p_fg) (:func:`pwa_weights`);
       L_unsup = their mean when both kinds occur;
    6. L = sup_weight * L_sup + unsup_weight * L_unsup (the IOM release uses sup_weight 10).

    The teacher is updated by ``EMATeacherHook`` and is the model evaluated by ``predict``
    (``test_cfg.eval_model``, default ``'teacher'``).

    Args:
        segmentor: the student's config (e.g. ``LAVTSegmentor``): a segmentor with
            ``extract_feat`` and a :class:`~risseg.models.heads.base.BaseMaskHead` ``head``,
            whose ``seg_logits`` (student) and ``seg_probs`` (teacher) give the (B, 2, H, W)
            class scores.
        pseudo_labeler: a LABELERS config (or module) of a mask labeler
            (:class:`~risseg.labelers.base.BasePseudoLabeler`), e.g. ``dict(type=
            'SAMRefineLabeler', strategy='iom')`` ('iom', 'cpi', 'pwa', or 'top', a risseg
            option). Per unlabeled sample it is given, in the padded batch frame, the teacher's
            hard mask ``pseudo_mask`` bool (1, H, W), its foreground probability ``pseudo_prob``
            float (1, H, W) and the sample's ``proposals`` bool (N, H, W) when it has them (the
            metainfo too), with the weak views as ``inputs`` (normalised, as the teacher sees
            them); it returns the pseudo label ``pseudo_mask`` and ``pseudo_keep``. It is a
            frozen submodule (weights it has are saved with the model).
        sup_weight: weight of L_sup.
        unsup_weight: lambda, weight of L_unsup.
        sup_loss: loss on labeled samples (SemiRES normalisation: plain pixel mean).
        unsup_loss: loss on SAM-matched unlabeled samples.
        pwa_loss: per-pixel loss for unmatched samples, multiplied by w(p_fg).
        dice_loss: optional extra loss (e.g. ``DiceLoss``) on the foreground logit of labeled
            and SAM-matched samples (not in the release; the SynthRef configs use it, as their
            toy LAVT does).
        views: keyword arguments of :class:`WeakStrongViews` (mean/std default to the data
            preprocessor's).
        burn_in_checkpoint: local checkpoint of the supervised burn-in model (the student's
            state dict, e.g. a LAVT run's ``best_*.pth``) loaded into student and teacher.
        confident_fraction: if set (0 < f <= 1), only the ``ceil(f * Bu)`` unlabeled samples
            of a batch whose teacher masks are the most confident (mean p_fg inside the hard
            mask; 0 for an empty mask) get an unsupervised loss. Not in SemiRES: a risseg
            option (FixMatch-style selection), off by default.
        teacher_all_sentences: the teacher's probabilities on an unlabeled sample are the mean
            over every sentence of its ref (all describe the same object), instead of the one
            sentence the student sees. Not in SemiRES: a risseg option, off by default; the
            samples need ``all_text_ids`` / ``all_text_mask`` (``TokenizeText(all_sentences=
            True)``, as in the semi-supervised dataset configs). The teacher's forward cost
            grows with the number of sentences per ref.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see ``BaseRISSegmentor``.
    """

    def __init__(
        self,
        segmentor: dict,
        pseudo_labeler: dict | BasePseudoLabeler,
        sup_weight: float = 1.0,
        unsup_weight: float = 1.0,
        *,
        sup_loss: dict | None = None,
        unsup_loss: dict | None = None,
        pwa_loss: dict | None = None,
        dice_loss: dict | None = None,
        views: dict | None = None,
        burn_in_checkpoint: str | None = None,
        confident_fraction: float | None = None,
        teacher_all_sentences: bool = False,
        data_preprocessor: dict | None = None,
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor, train_cfg, test_cfg, init_cfg)
        self.student = build(segmentor)
        if not isinstance(getattr(self.student, "head", None), BaseMaskHead):
            raise TypeError(
                f"SemiRES needs a segmentor whose head is a BaseMaskHead (class "
                f"scores from head.seg_logits), got {type(self.student).__name__} "
                f"with head {type(getattr(self.student, 'head', None)).__name__}."
            )
        self.teacher = copy.deepcopy(self.student)
        self.teacher.requires_grad_(False)
        self.pseudo_labeler = _build_labeler(pseudo_labeler)
        self.sup_weight, self.unsup_weight = sup_weight, unsup_weight
        ce = dict(type="WeightedCrossEntropyLoss", class_weight=(0.9, 1.1), normalize="pixel")
        self.sup_loss = build(sup_loss or ce)
        self.unsup_loss = build(unsup_loss or ce)
        self.pwa_loss = build(
            pwa_loss or dict(type="WeightedCrossEntropyLoss", class_weight=None, normalize="pixel")
        )
        self.dice_loss = build(dice_loss)
        pre = self.data_preprocessor
        views = dict(views or {})
        if getattr(pre, "_enable_normalize", False):
            views.setdefault("mean", tuple(pre.mean.flatten().tolist()))
            views.setdefault("std", tuple(pre.std.flatten().tolist()))
        self.views = WeakStrongViews(**views)
        self.burn_in_checkpoint = burn_in_checkpoint
        if confident_fraction is not None and not 0.0 < confident_fraction <= 1.0:
            raise ValueError(f"confident_fraction must be in (0, 1], got {confident_fraction}.")
        self.confident_fraction = confident_fraction
        self.teacher_all_sentences = teacher_all_sentences

    def init_weights(self) -> None:
        """Initialise the student, then load the burn-in weights, then copy to the teacher."""
        super().init_weights()
        if self.burn_in_checkpoint is not None:
            ckpt = load_local_checkpoint(self.burn_in_checkpoint, map_location="cpu")
            state = ckpt.get("state_dict", ckpt)
            state = {k: v for k, v in state.items() if not k.startswith("data_preprocessor.")}
            self.student.load_state_dict(state, strict=True)
            print_log(f"SemiRES: burn-in weights from {self.burn_in_checkpoint}", "current")
        self.teacher.load_state_dict(self.student.state_dict())

    def train(self, mode: bool = True):
        """The teacher always stays in eval mode (BN statistics, dropout)."""
        super().train(mode)
        self.teacher.eval()
        self.pseudo_labeler.eval()
        return self

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """Supervised + refined pseudo-label losses for a mixed batch (see class doc)."""
        lab = [
            i for i, s in enumerate(data_samples) if s.metainfo.get("supervision", "mask") == "mask"
        ]
        unl = [i for i in range(len(data_samples)) if i not in set(lab)]
        lab_samples = [data_samples[i] for i in lab]
        unl_samples = [data_samples[i] for i in unl]
        shape = tuple(inputs.shape[-2:])
        weak, strong = self.views(inputs[unl]) if unl else (inputs[:0], inputs[:0])
        student_samples = lab_samples + unl_samples
        feats = self.student.extract_feat(torch.cat([inputs[lab], strong]), student_samples)
        logits = self.student.head.seg_logits(feats, student_samples)  # (B, 2, H, W)
        zero = logits.sum() * 0.0
        losses = {}
        if lab:
            target = _pad_to(stack_gt_masks(lab_samples, inputs.device)[:, 0], shape).long()
            losses["loss_sup"] = self.sup_weight * self.sup_loss(logits[: len(lab)], target)
            if self.dice_loss is not None:
                losses["loss_sup_dice"] = self.sup_weight * self._dice(logits[: len(lab)], target)
        else:
            losses["loss_sup"] = zero
        if not unl:
            losses["unsup_loss"] = zero
            return losses
        prob = self.teacher_probs(weak, unl_samples)  # (Bu, 2, H, W)
        # argmax over the 2 classes (ties -> background); a comparison is ~100x faster on CPU
        hard = prob[:, 1] > prob[:, 0]  # (Bu, H, W)
        refined, matched = self.pseudo_labels(weak, unl_samples, hard, prob[:, 1])
        kept = self._confident(prob[:, 1], hard)
        stu = logits[len(lab) :]
        parts = []
        use = matched & kept
        if use.any():
            parts.append(self.unsup_loss(stu[use], refined[use].long()))
            if self.dice_loss is not None:
                parts[-1] = parts[-1] + self._dice(stu[use], refined[use])
        use = ~matched & kept
        if use.any():
            weight = pwa_weights(prob[use, 1])
            parts.append(self.pwa_loss(stu[use], refined[use].long(), pixel_weight=weight))
        losses["unsup_loss"] = self.unsup_weight * sum(parts) / len(parts)
        losses["sam_matched"] = matched.float().mean()  # logged, not summed (no 'loss' in name)
        return losses

    @torch.no_grad()
    def pseudo_labels(
        self, weak: Tensor, data_samples: SampleList, hard: Tensor, p_fg: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Run the pseudo labeler on the teacher's output.

        Args:
            weak: (Bu, 3, H, W) weak views.
            data_samples: the Bu unlabeled samples (their ``proposals``, when present, are
                padded to (H, W)).
            hard: (Bu, H, W) bool teacher masks.
            p_fg: (Bu, H, W) float teacher foreground probabilities.

        Returns:
            The pseudo labels (Bu, H, W) bool and which are kept (Bu,) bool.
        """
        batch = []
        for sample, mask, prob in zip(data_samples, hard, p_fg, strict=True):
            item = RISDataSample(metainfo=sample.metainfo)
            item.pseudo_mask = PixelData(data=mask[None])
            item.pseudo_prob = PixelData(data=prob[None])
            if "proposals" in sample:
                props = sample.proposals.data.to(hard.device).bool()
                item.proposals = PixelData(data=_pad_to(props, tuple(hard.shape[-2:])))
            batch.append(item)
        batch = self.pseudo_labeler(weak, batch)
        refined = torch.stack([s.pseudo_mask.data[0].to(hard.device).bool() for s in batch])
        kept = torch.tensor([is_kept(s) for s in batch], dtype=torch.bool, device=hard.device)
        return refined, kept

    @torch.no_grad()
    def teacher_probs(self, weak: Tensor, data_samples: SampleList) -> Tensor:
        """The teacher's (Bu, 2, H, W) class probabilities on the (Bu, 3, H, W) weak views.

        With ``teacher_all_sentences`` the probabilities are averaged over the K_b sentences
        of each sample's ref (``all_text_ids`` / ``all_text_mask``, (K_b, L)): the teacher
        runs once per (image, sentence) pair.
        """
        self.teacher.eval()
        if not self.teacher_all_sentences:
            return self._teacher_seg_probs(weak, data_samples)
        counts, texts = [], []
        for s in data_samples:
            if "all_text_ids" not in s:
                raise KeyError(
                    f"teacher_all_sentences needs every sentence of ref_id="
                    f"{s.metainfo.get('ref_id')} ({s.metainfo.get('img_path')}): use "
                    "TokenizeText(all_sentences=True) and PackRISInputs(extra_data_keys="
                    "('all_text_ids', 'all_text_mask')) in the unlabeled pipeline."
                )
            counts.append(len(s.all_text_ids))
            texts += [
                RISDataSample(metainfo=s.metainfo, text_ids=ids, text_mask=mask)
                for ids, mask in zip(s.all_text_ids, s.all_text_mask, strict=True)
            ]
        repeats = torch.tensor(counts, device=weak.device)
        prob = self._teacher_seg_probs(weak.repeat_interleave(repeats, dim=0), texts)
        return torch.stack([p.mean(dim=0) for p in prob.split(counts)])

    def _teacher_seg_probs(self, images: Tensor, data_samples: SampleList) -> Tensor:
        """(B, 2, H, W) class probabilities of the teacher's head on (B, 3, H, W) images."""
        feats = self.teacher.extract_feat(images, data_samples)
        return self.teacher.head.seg_probs(feats, data_samples)

    def _confident(self, p_fg: Tensor, hard: Tensor) -> Tensor:
        """(Bu,) bool: the samples that get an unsupervised loss (all without the option).

        ``p_fg`` (Bu, H, W) teacher foreground probability, ``hard`` (Bu, H, W) its mask.
        """
        kept = torch.ones(len(hard), dtype=torch.bool, device=hard.device)
        if self.confident_fraction is None:
            return kept
        area = hard.flatten(1).sum(1)
        conf = (p_fg * hard).flatten(1).sum(1) / area.clamp(min=1)  # 0 for an empty mask
        k = math.ceil(self.confident_fraction * len(hard))
        kept[:] = False
        kept[conf.topk(k).indices] = True
        return kept

    def _dice(self, logits: Tensor, target: Tensor) -> Tensor:
        """Dice of (B, 2, H, W) logits via the foreground logit against a (B, H, W) mask."""
        fg = logits[:, 1:2] - logits[:, 0:1]  # (B, 1, H, W); sigmoid(fg) = softmax fg prob
        return self.dice_loss(fg, target[:, None].float())

    def _eval_model(self):
        return (
            self.teacher
            if self.test_cfg.get("eval_model", "teacher") == "teacher"
            else self.student
        )

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Predict with the teacher (default) or the student, under this ``test_cfg``."""
        model = self._eval_model()
        feats = model.extract_feat(inputs, data_samples)
        return model.head.predict(feats, data_samples, self.test_cfg)

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """(B, 1, H, W) foreground logits of the evaluated model."""
        return self._eval_model()._forward(inputs, data_samples)
