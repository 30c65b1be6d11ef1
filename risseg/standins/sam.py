"""The SynthRef stand-in for SAM: a small segment-anything ``Sam`` trained on the corpus masks.

The model is segment-anything's own ``Sam`` (``ImageEncoderViT`` at 128 px with 8-pixel
patches, ``PromptEncoder``, ``MaskDecoder`` with a ``TwoWayTransformer``), sized by
:data:`ARCH` and built by :func:`~risseg.foundation.sam_segment_anything.build_sam_from_arch`.
It learns from class-agnostic corpus masks only, prompted as SAM is trained:

* box prompts: the object's box with each side jittered by N(0, 0.1 x box side), at most
  20 px;
* point prompts: 1-3 foreground points drawn inside the visible mask;
* background points: one point off every object per point-prompted image, whose predicted
  IoU is trained towards 0 (no mask loss), so that the automatic generator's IoU filter drops
  the masks of background grid points.

Losses (SAM's): focal 20 : dice 1 on the best of the three multimask outputs plus on the
single-mask output, and MSE between each output's predicted IoU and its true IoU.

Outputs in ``out_dir``: ``sam_config.json`` (architecture), ``sam_model.safetensors``,
``train_state.pt`` (resume) and ``done.json``; they load through :func:`generator_config`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss

from risseg.foundation.sam_segment_anything import build_sam_from_arch
from risseg.standins.corpus import load_corpus, object_mask
from risseg.standins.training import train_epochs, write_done

ARCH = dict(
    img_size=128,
    patch_size=8,
    encoder_embed_dim=64,
    encoder_depth=4,
    encoder_num_heads=4,
    encoder_global_attn_indexes=[],
    window_size=0,  # 16 x 16 tokens: every block attends globally
    prompt_embed_dim=64,
    mask_in_chans=16,
    decoder_depth=2,
    decoder_mlp_dim=256,
    decoder_num_heads=4,
    iou_head_depth=3,
    iou_head_hidden_dim=64,
)
# SamAutomaticMaskGenerator settings of the stand-in: a 16 x 16 point grid (8 px apart on
# 128 px images, closer than the smallest object's diameter); predicted-IoU and stability
# thresholds of 0.5 (SAM: 0.88 / 0.95), chosen on 30 corpus images: the small model's logits
# are soft, so a +-1 logit band is a large share of a 300-pixel object and SAM's thresholds
# keep about one mask per image.
AMG_CFG = dict(points_per_side=16, pred_iou_thresh=0.5, stability_score_thresh=0.5)
CONFIG_FILE, WEIGHTS_FILE = "sam_config.json", "sam_model.safetensors"
# 5 epochs reach a box-prompted val mIoU of 82.0, 10 reach 85.5 (docs/foundation_models.md)
EPOCHS, BATCH, LR = 10, 8, 1e-3
FOCAL_WEIGHT, DICE_WEIGHT = 20.0, 1.0


def generator_config(out_dir: str | Path, **amg: float) -> dict:
    """The ``SegmentAnythingGenerator`` config of the stand-in in ``out_dir``.

    Args:
        out_dir: the folder ``train_part`` wrote.
        amg: overrides of :data:`AMG_CFG`.
    """
    out_dir = Path(out_dir)
    return dict(
        type="SegmentAnythingGenerator",
        model_config=str(out_dir / CONFIG_FILE),
        checkpoint=str(out_dir / WEIGHTS_FILE),
        amg_cfg={**AMG_CFG, **amg},
    )


class MaskCorpus:
    """Corpus images ``(N, S, S, 3)`` uint8 and a visible-object label map per image.

    SynthRef masks are visible parts and never overlap, so ``labels[i]`` (uint8 ``(S, S)``,
    0 background, ``k`` the k-th object) holds every mask of image ``i``; ``counts[i]`` is its
    number of objects.
    """

    def __init__(self, root: Path) -> None:
        corpus = load_corpus(root)
        self.images = corpus.images
        n, side = len(self.images), self.images.shape[1]
        if side != ARCH["img_size"] or self.images.shape[2] != side:
            raise ValueError(f"{root}: corpus images must be {ARCH['img_size']} px squares")
        self.labels = np.zeros((n, side, side), np.uint8)
        self.counts = np.zeros(n, np.int64)
        for obj in corpus.objects:
            mask = object_mask(obj, side)
            if not mask.any():
                continue
            self.counts[obj.image] += 1
            self.labels[obj.image][mask & (self.labels[obj.image] == 0)] = self.counts[obj.image]


def _jittered_box(mask: np.ndarray, rng: np.random.Generator) -> list[float]:
    """xyxy box of ``mask`` (pixel edges) with SAM's training noise."""
    ys, xs = np.nonzero(mask)
    box = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)
    side = np.repeat(box[2:] - box[:2], 2)[[0, 2, 1, 3]]  # w, h, w, h
    noise = np.clip(rng.normal(0.0, 0.1 * side), -20, 20)
    return (box + noise).tolist()


def _points(mask: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` pixel centres (x, y) drawn uniformly from ``mask``."""
    ys, xs = np.nonzero(mask)
    pick = rng.integers(len(xs), size=n)
    return np.stack([xs[pick], ys[pick]], 1).astype(np.float32) + 0.5


def _image_prompts(labels: np.ndarray, count: int, rng: np.random.Generator) -> dict:
    """One prompt per object of an image (all boxes, or all 1-3 points + a background point).

    Returns:
        ``dict(masks=bool (K, S, S), boxes=(K, 4) or None, points=(K, 3, 2) or None,
        labels=(K, 3) or None, background=bool (K,))``; unused point slots have label -1.
    """
    masks = np.stack([labels == k for k in range(count + 1)])[1:]  # (K, S, S), K may be 0
    if count and rng.random() < 0.5:
        boxes = np.array([_jittered_box(m, rng) for m in masks], np.float32)
        return dict(
            masks=masks, boxes=boxes, points=None, labels=None, background=np.zeros(count, bool)
        )
    points = np.zeros((count + 1, 3, 2), np.float32)
    point_labels = -np.ones((count + 1, 3), np.int64)
    for k, m in enumerate(masks):
        n = int(rng.integers(1, 4))
        points[k, :n], point_labels[k, :n] = _points(m, n, rng), 1
    points[count, :1], point_labels[count, 0] = _points(labels == 0, 1, rng), 1
    masks = np.concatenate([masks, np.zeros_like(masks[:1])])
    background = np.zeros(count + 1, bool)
    background[-1] = True
    return dict(masks=masks, boxes=None, points=points, labels=point_labels, background=background)


def _batches(data: MaskCorpus, seed: int, epoch: int) -> Iterator[dict]:
    """The epoch's batches: images ``(B, 3, S, S)`` float 0-255 and per-image prompts."""
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(data.images))
    for start in range(0, len(order) - BATCH + 1, BATCH):
        idx = order[start : start + BATCH]
        images, labels = data.images[idx], data.labels[idx]
        if rng.random() < 0.5:  # the same horizontal flip for the batch's images and masks
            images, labels = images[:, :, ::-1], labels[:, :, ::-1]
        counts = data.counts[idx]
        prompts = [_image_prompts(lab, int(n), rng) for lab, n in zip(labels, counts, strict=True)]
        tensor = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
        yield dict(images=tensor, prompts=prompts)


def _prompt_losses(sam, embedding, prompt: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask + IoU losses of one image's prompts and their true IoUs ``(K, 4)``."""
    points = None
    if prompt["points"] is not None:
        points = (torch.from_numpy(prompt["points"]), torch.from_numpy(prompt["labels"]))
    boxes = None if prompt["boxes"] is None else torch.from_numpy(prompt["boxes"])
    sparse, dense = sam.prompt_encoder(points=points, boxes=boxes, masks=None)
    low_res, iou_pred = sam.mask_decoder.predict_masks(
        image_embeddings=embedding,
        image_pe=sam.prompt_encoder.get_dense_pe(),
        sparse_prompt_embeddings=sparse,
        dense_prompt_embeddings=dense,
    )  # (K, 4, 64, 64): output 0 single-mask, 1-3 multimask; (K, 4)
    size = (ARCH["img_size"],) * 2
    logits = F.interpolate(low_res, size, mode="bilinear", align_corners=False)
    gt = torch.from_numpy(prompt["masks"]).float()[:, None].expand_as(logits)
    prob = logits.sigmoid()
    focal = sigmoid_focal_loss(logits, gt, reduction="none").mean((2, 3))
    dice = 1 - (2 * (prob * gt).sum((2, 3)) + 1) / (prob.sum((2, 3)) + gt.sum((2, 3)) + 1)
    per_output = FOCAL_WEIGHT * focal + DICE_WEIGHT * dice  # (K, 4)
    with torch.no_grad():
        pred = logits > 0
        inter = (pred & (gt > 0)).sum((2, 3)).float()
        union = (pred | (gt > 0)).sum((2, 3)).float()
        true_iou = inter / union.clamp(min=1)
    foreground = torch.from_numpy(~prompt["background"])
    mask_loss = per_output[:, 0] + per_output[:, 1:].min(dim=1).values
    iou_target = true_iou * foreground[:, None]
    loss = (mask_loss * foreground).sum() + F.mse_loss(iou_pred, iou_target, reduction="none").sum()
    return loss, true_iou[foreground]


class _Objective:
    """``loss_fn`` of :func:`train_epochs`, logging the running loss and IoU every 50 steps."""

    def __init__(self, steps_per_epoch: int, log: Callable[[str], None]) -> None:
        self.steps_per_epoch, self.log = steps_per_epoch, log
        self.step, self.losses, self.ious = 0, [], []

    def __call__(self, sam, batch: dict) -> torch.Tensor:
        embeddings = sam.image_encoder(sam.preprocess(batch["images"]))
        total, count = 0.0, 0
        for i, prompt in enumerate(batch["prompts"]):
            loss, iou = _prompt_losses(sam, embeddings[i : i + 1], prompt)
            total, count = total + loss, count + len(prompt["masks"])
            self.ious.append(iou.max(dim=1).values)
        loss = total / count
        self.step += 1
        self.losses.append(float(loss.detach()))
        if self.step % 50 == 0:
            ious = torch.cat(self.ious)
            self.log(
                f"sam: step {self.step % self.steps_per_epoch or self.steps_per_epoch}/"
                f"{self.steps_per_epoch} loss {np.mean(self.losses):.4f} "
                f"train best-output IoU {float(ious.mean()):.3f}"
            )
            self.losses, self.ious = [], []
        return loss


def train_part(
    corpus_root: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    epochs: int | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Train the SAM stand-in on ``corpus_root``'s masks and write it into ``out_dir``.

    Args:
        corpus_root: a SynthRef folder of 128 px images (the stand-in corpus).
        out_dir: output folder (resumes from its ``train_state.pt``).
        seed: initialisation and data-order seed.
        epochs: passes over the corpus images (default :data:`EPOCHS`).
        log: progress sink.
    """
    out_dir = Path(out_dir)
    epochs = EPOCHS if epochs is None else epochs
    data = MaskCorpus(Path(corpus_root))
    torch.manual_seed(seed)
    sam = build_sam_from_arch(ARCH)
    steps = len(data.images) // BATCH
    if steps == 0:
        raise ValueError(f"{corpus_root}: fewer than {BATCH} images")
    log(f"sam: {len(data.images)} images, {int(data.counts.sum())} masks, {steps} steps/epoch")
    progress = train_epochs(
        sam,
        out_dir,
        epochs=epochs,
        steps_per_epoch=steps,
        batches=lambda epoch: _batches(data, seed, epoch),
        loss_fn=_Objective(steps, log),
        lr=LR,
        weight_decay=0.01,
        warmup=min(100, steps),
        log=log,
        name="sam",
    )
    save_weights(sam, out_dir)
    write_done(out_dir, progress, parameters=sum(p.numel() for p in sam.parameters()))


def save_weights(sam: torch.nn.Module, out_dir: Path) -> None:
    """Write ``sam_config.json`` (:data:`ARCH`) and ``sam_model.safetensors``."""
    from safetensors.torch import save_file

    (out_dir / CONFIG_FILE).write_text(json.dumps(ARCH, indent=2), encoding="utf-8")
    tensors = {k: v.detach().contiguous().clone() for k, v in sam.state_dict().items()}
    save_file(tensors, str(out_dir / WEIGHTS_FILE))


def evaluate_part(out_dir: Path, data_root: Path, split: str = "val") -> dict[str, float]:
    """Prompted and automatic quality of the stand-in on the benchmark's referred objects.

    Loads the stand-in through ``SegmentAnythingGenerator`` (:func:`generator_config`).

    Returns:
        ``box_mIoU`` (gt box, best of 3 by predicted IoU), ``box_mIoU_single`` (single-mask
        output), ``point_mIoU`` (the point deepest inside the mask, best of 3 by predicted
        IoU), and the automatic mode's ``amg_recall@0.5``, ``amg_mean_best_iou``,
        ``amg_proposals_per_image`` (all in %, except the last), plus ``objects``, ``images``.
    """
    import risseg.foundation  # noqa: F401  (registers SegmentAnythingGenerator)
    from risseg.evaluation.proposal_recall import prompted_and_automatic_quality
    from risseg.registry import FOUNDATION_MODELS

    generator = FOUNDATION_MODELS.build(generator_config(out_dir))
    return prompted_and_automatic_quality(generator, Path(data_root), split)
