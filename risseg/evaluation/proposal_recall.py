"""Class-agnostic mask quality against the referred objects of a REFER split.

Used by ``benchmarks/proposal_recall.py`` (stored proposal files) and by the SAM stand-in's
``evaluate_part`` (prompted and automatic masks of a live mask generator). The objects of a
split are the distinct objects its refs point at, with their masks decoded from
``instances.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from risseg.datasets.refer import load_refs, split_matches
from risseg.utils.masks import bbox_xywh_to_xyxy, segmentation_to_mask


@dataclass
class ImageObjects:
    """The referred objects of one image: ``masks`` bool (M, H, W), ``boxes`` (M, 4) xyxy."""

    image_id: int
    path: Path
    ann_ids: list[int]
    masks: np.ndarray
    boxes: np.ndarray

    def read_image(self) -> np.ndarray:
        """The (H, W, 3) uint8 RGB image."""
        bgr = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise FileNotFoundError(f"{self.path}: cannot read image {self.image_id}")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def split_objects(
    data_root: str | Path, split: str, split_by: str = "synth", img_prefix: str = "images"
) -> Iterator[ImageObjects]:
    """The referred objects of ``split``, image by image (ascending image id).

    Args:
        data_root: REFER folder with ``refs(<split_by>).p`` and ``instances.json``.
        split: ``train``, ``val``, ``test``, ``testA``... (REFER's split rule).
        split_by: the refs file's tag.
        img_prefix: image folder under ``data_root``.
    """
    root = Path(data_root)
    refs = [
        r for r in load_refs(str(root / f"refs({split_by}).p")) if split_matches(r["split"], split)
    ]
    if not refs:
        raise ValueError(f"{root}: no refs in split {split!r}")
    with open(root / "instances.json", encoding="utf-8") as f:
        inst = json.load(f)
    images = {im["id"]: im for im in inst["images"]}
    anns = {a["id"]: a for a in inst["annotations"]}
    by_image: dict[int, list[int]] = {}
    for ref in refs:
        if ref["ann_id"] not in anns:
            raise KeyError(
                f"{root / 'instances.json'}: no annotation {ref['ann_id']} (ref {ref['ref_id']})"
            )
        ids = by_image.setdefault(ref["image_id"], [])
        if ref["ann_id"] not in ids:
            ids.append(ref["ann_id"])
    for image_id in sorted(by_image):
        im, ann_ids = images[image_id], by_image[image_id]
        h, w = im["height"], im["width"]
        masks = np.stack([segmentation_to_mask(anns[a]["segmentation"], h, w) for a in ann_ids])
        boxes = np.stack([bbox_xywh_to_xyxy(anns[a]["bbox"]) for a in ann_ids]).astype(np.float32)
        yield ImageObjects(image_id, root / img_prefix / im["file_name"], ann_ids, masks, boxes)


def mask_ious(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Pairwise IoU of bool masks ``pred`` (N, H, W) and ``gt`` (M, H, W): (N, M)."""
    p = pred.reshape(len(pred), -1).astype(np.float32)
    g = gt.reshape(len(gt), -1).astype(np.float32)
    inter = p @ g.T
    union = p.sum(1)[:, None] + g.sum(1)[None, :] - inter
    return inter / np.maximum(union, 1.0)


def best_ious(proposals: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Each object's best IoU with any proposal, (M,); 0 where there are no proposals."""
    if len(proposals) == 0:
        return np.zeros(len(gt), np.float32)
    return mask_ious(proposals, gt).max(axis=0)


def recall_summary(best: list[np.ndarray], num_proposals: list[int], thr: float = 0.5) -> dict:
    """``recall@thr`` and ``mean_best_iou`` (in %) and ``proposals_per_image``."""
    flat = np.concatenate(best) if best else np.zeros(0)
    return {
        f"recall@{thr}": round(100.0 * float((flat >= thr).mean()), 2) if len(flat) else 0.0,
        "mean_best_iou": round(100.0 * float(flat.mean()), 2) if len(flat) else 0.0,
        "proposals_per_image": round(float(np.mean(num_proposals)), 2) if num_proposals else 0.0,
        "objects": len(flat),
        "images": len(num_proposals),
    }


def deepest_points(masks: np.ndarray) -> np.ndarray:
    """For each mask (M, H, W) the pixel centre farthest from its border: (M, 1, 2) xy."""
    points = np.zeros((len(masks), 1, 2), np.float32)
    for k, m in enumerate(masks):
        dist = cv2.distanceTransform(np.pad(m, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
        y, x = np.unravel_index(int(dist.argmax()), dist.shape)
        points[k, 0] = (x + 0.5, y + 0.5)
    return points


def prompted_and_automatic_quality(generator, data_root: Path, split: str = "val") -> dict:
    """Box / point-prompted mIoU and automatic proposal recall of a mask generator.

    Args:
        generator: a promptable :class:`~risseg.foundation.mask_generator.MaskGenerator`.
        data_root: the REFER (SynthRef) folder.
        split: the split whose referred objects are measured.

    Returns:
        ``box_mIoU`` (box prompt, best of 3 by predicted IoU), ``box_mIoU_single``
        (single-mask output), ``point_mIoU`` (deepest point, best of 3), ``amg_recall@0.5``,
        ``amg_mean_best_iou`` (%), ``amg_proposals_per_image``, ``objects``, ``images``.
    """
    from risseg.foundation.mask_generator import best_of_multimask

    box, box_single, point, amg_best, amg_count = [], [], [], [], []
    for objects in split_objects(data_root, split):
        image, gt = objects.read_image(), objects.masks
        masks, scores = generator.predict(image, boxes=objects.boxes)
        box.append(np.diag(mask_ious(best_of_multimask(masks, scores)[0].numpy(), gt)))
        masks, _ = generator.predict(image, boxes=objects.boxes, multimask=False)
        box_single.append(np.diag(mask_ious(masks[:, 0].numpy(), gt)))
        masks, scores = generator.predict(image, points=deepest_points(gt))
        point.append(np.diag(mask_ious(best_of_multimask(masks, scores)[0].numpy(), gt)))
        proposals, _ = generator.generate(image)
        amg_best.append(best_ious(proposals.numpy(), gt))
        amg_count.append(len(proposals))
    amg = recall_summary(amg_best, amg_count)
    return {
        "box_mIoU": round(100.0 * float(np.concatenate(box).mean()), 2),
        "box_mIoU_single": round(100.0 * float(np.concatenate(box_single).mean()), 2),
        "point_mIoU": round(100.0 * float(np.concatenate(point).mean()), 2),
        "amg_recall@0.5": amg["recall@0.5"],
        "amg_mean_best_iou": amg["mean_best_iou"],
        "amg_proposals_per_image": amg["proposals_per_image"],
        "objects": amg["objects"],
        "images": amg["images"],
    }
