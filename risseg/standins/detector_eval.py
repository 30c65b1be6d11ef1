"""Category-name detection quality of a grounded detector on a SynthRef (REFER) split.

Every object of the split's images is a ground-truth box of its shape category; the detector is
queried with all category names at once. COCO AP@0.5 (pycocotools) ranks its boxes by score at
thresholds 0; recall / precision are those of the boxes kept at S+S+C's thresholds.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision.ops import box_iou

from risseg.datasets.refer import load_refs, split_matches
from risseg.foundation.grounded_detector import (
    SSC_BOX_THRESHOLD,
    SSC_TEXT_THRESHOLD,
    GroundedDetector,
)


def split_image_ids(data_root: Path, split: str) -> list[int]:
    """Ids of the images holding at least one ref of ``split`` (REFER's split rule)."""
    refs = load_refs(str(data_root / "refs(synth).p"))
    ids = sorted({r["image_id"] for r in refs if split_matches(r["split"], split)})
    if not ids:
        raise ValueError(f"{data_root}: no ref of split {split!r}")
    return ids


def _matches(dets, gt_boxes: torch.Tensor, gt_labels: torch.Tensor) -> int:
    """Greedy one-to-one matches (IoU >= 0.5, same phrase), highest score first."""
    if len(dets) == 0 or len(gt_boxes) == 0:
        return 0
    iou = box_iou(dets.boxes, gt_boxes)
    iou[dets.phrase_index.view(-1, 1) != gt_labels.view(1, -1)] = 0.0
    taken = torch.zeros(len(gt_boxes), dtype=torch.bool)
    for d in torch.argsort(-dets.scores, stable=True).tolist():
        row = iou[d].masked_fill(taken, 0.0)
        if len(row) and row.max() >= 0.5:
            taken[row.argmax()] = True
    return int(taken.sum())


def _coco_ap(gt: dict, results: list[dict], image_ids: list[int]) -> tuple[list, np.ndarray]:
    """COCO ``stats`` and AP@0.5 per category (all areas, 100 detections; ``-1``: no GT)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not results:
        return [0.0] * 12, np.zeros(len(gt["categories"]))

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
        ev = COCOeval(coco_gt, coco_dt, "bbox")
        ev.params.imgIds = image_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    precision = ev.eval["precision"][0, :, :, 0, -1]  # (recall points, K) at IoU 0.5
    per_cat = np.array(
        [p[p > -1].mean() if (p > -1).any() else -1.0 for p in precision.T], dtype=float
    )
    return [float(v) for v in ev.stats], per_cat


def evaluate_detector(
    detector: GroundedDetector, data_root: Path, split: str, names: list[str]
) -> dict[str, float]:
    """Detection quality of ``detector`` for the categories ``names`` on a split.

    Args:
        detector: a grounded detector.
        data_root: SynthRef / REFER folder (``instances.json``, ``refs(synth).p``, images/).
        split: the refs split whose images are evaluated.
        names: the category names queried (each must be a category of ``instances.json``).

    Returns:
        ``ap`` (COCO AP@[0.5:0.95]), ``ap50`` (AP@0.5, the mean over categories with
        ground truth), ``ap50_<name>`` (``-1`` without ground truth), ``recall_ssc`` /
        ``precision_ssc`` (boxes kept at box 0.35 / text 0.25 with the right phrase and
        IoU >= 0.5), ``images``, ``objects``.
    """
    inst = json.loads((data_root / "instances.json").read_text())
    cat_id = {c["name"]: c["id"] for c in inst["categories"]}
    missing = [n for n in names if n not in cat_id]
    if missing:
        raise ValueError(f"{data_root / 'instances.json'}: no category {missing}")
    ids = split_image_ids(data_root, split)
    keep = set(ids)
    gt = dict(
        images=[im for im in inst["images"] if im["id"] in keep],
        annotations=[a for a in inst["annotations"] if a["image_id"] in keep],
        categories=sorted(
            (c for c in inst["categories"] if c["name"] in names), key=lambda c: c["id"]
        ),
    )
    label_of = {cat_id[n]: i for i, n in enumerate(names)}
    by_image: dict[int, list[dict]] = {i: [] for i in ids}
    for ann in gt["annotations"]:
        by_image[ann["image_id"]].append(ann)
    results, hits, kept = [], 0, 0
    for info in gt["images"]:
        image = np.asarray(Image.open(data_root / "images" / info["file_name"]).convert("RGB"))
        dets = detector.detect(image, names, box_threshold=0.0, text_threshold=0.0)
        labels = dets.phrase_index.tolist()
        for box, score, k in zip(dets.boxes.tolist(), dets.scores.tolist(), labels, strict=True):
            if k >= 0:
                x1, y1, x2, y2 = box
                bbox = [x1, y1, x2 - x1, y2 - y1]
                results.append(
                    dict(image_id=info["id"], category_id=cat_id[names[k]], bbox=bbox, score=score)
                )
        anns = [a for a in by_image[info["id"]] if a["category_id"] in label_of]
        xywh = torch.tensor([a["bbox"] for a in anns], dtype=torch.float32).view(-1, 4)
        gt_boxes = torch.cat([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], dim=1)
        gt_labels = torch.tensor([label_of[a["category_id"]] for a in anns], dtype=torch.long)
        ssc = detector.detect(image, names, SSC_BOX_THRESHOLD, SSC_TEXT_THRESHOLD)
        hits += _matches(ssc, gt_boxes, gt_labels)
        kept += len(ssc)
    stats, per_cat = _coco_ap(gt, results, ids)
    n_obj = sum(a["category_id"] in label_of for a in gt["annotations"])
    out = {"ap": stats[0], "ap50": stats[1]}
    for cat, ap in zip(gt["categories"], per_cat, strict=True):
        out[f"ap50_{cat['name']}"] = float(ap)
    out.update(
        recall_ssc=hits / max(n_obj, 1),
        precision_ssc=hits / max(kept, 1),
        images=float(len(ids)),
        objects=float(n_obj),
    )
    return out
