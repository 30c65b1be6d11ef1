"""Draw what a dataset feeds the model, or the pseudo labels made for it.

    python tools/analysis/browse_dataset.py CONFIG [--split train] [--out DIR] [--num 20]
    python tools/analysis/browse_dataset.py CONFIG --pseudo-ann data/synthref/pseudo_rpp_1pct.json
    python tools/analysis/browse_dataset.py CONFIG --proposals data/synthref/proposals

Without a pseudo-label option, each picture is one item of the split after its pipeline (the
resized image, the sentence after the text transforms, the GT mask outline in green or, for
box-supervised items, the GT box, and SeqTR's sampled contour points when the pipeline makes
them). ``--pseudo-ann`` draws the masks of a pseudo annotation file ``{ref_id: RLE or
polygons}`` (``tools/choose_pseudo.py``, ``pseudo_ann_file=`` of the datasets) as a magenta
fill against the GT outline, with their IoU. ``--proposals`` draws a SemiRES proposals folder
(``tools/generate_pseudo_labels.py``: ``<image_id>.json`` per image) with every proposal in
its own colour, its index and score. For both, the split is read with every GT mask (its
``supervision_file`` / ``pseudo_ann_file`` ignored), so the IoU measures the pseudo labels.
Writes ``<out>/<index>_<image stem>_<ref_id>.png`` and prints how many were drawn.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from risseg.registry import DATASETS
from risseg.utils.image_io import read_image
from risseg.utils.masks import bbox_xywh_to_xyxy, segmentation_to_mask
from risseg.utils.proposal_io import read_proposals
from risseg.visualization import RISLocalVisualizer, write_rgb


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Draw a dataset's items or pseudo labels")
    parser.add_argument("config")
    parser.add_argument(
        "--split",
        choices=("train", "val", "test"),
        default="train",
        help="which dataloader's dataset (default: train)",
    )
    parser.add_argument("--out", default="work_dirs/browse", help="output folder")
    parser.add_argument("--num", type=int, default=20, help="pictures to draw")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--pseudo-ann", help="pseudo annotation JSON {ref_id: segmentation}")
    group.add_argument("--proposals", help="SemiRES proposals folder (<image_id>.json files)")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args()


def build_dataset(cfg: Config, split: str, with_all_masks: bool):
    """The split's dataset; ``with_all_masks`` drops its supervision and pseudo files."""
    init_default_scope(cfg.get("default_scope", "risseg"))
    dataset_cfg = cfg[f"{split}_dataloader"]["dataset"].copy()
    if with_all_masks:
        for key in ("supervision_file", "keep_supervision", "pseudo_ann_file"):
            dataset_cfg.pop(key, None)
    return DATASETS.build(dataset_cfg)


def _gt(info: dict) -> tuple[np.ndarray | None, np.ndarray]:
    """(GT mask or None, GT xyxy box) of a data info entry at the original resolution."""
    seg = info.get("segmentation")
    mask = None if seg is None else segmentation_to_mask(seg, info["height"], info["width"])
    return mask, bbox_xywh_to_xyxy(info["bbox"])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 0.0


def draw_pipeline(dataset, visualizer: RISLocalVisualizer, num: int):
    """Yield (name, picture) for the first ``num`` items after the pipeline."""
    for i in range(min(num, len(dataset))):
        item = dataset[i]
        sample = item["data_samples"]
        image = item["inputs"].permute(1, 2, 0).numpy()
        gt = sample.get("gt_mask")
        mask = None if gt is None else gt.data[0].numpy().astype(bool)
        box = sample.get("gt_bbox") if mask is None else None  # box-supervised items
        supervision = sample.get("supervision", "mask")
        notes = [] if supervision == "mask" else [f"supervision: {supervision}"]
        picture = visualizer.draw_ris(
            image,
            text=sample.get("text"),
            gt_mask=mask,
            box=None if box is None else box.numpy(),
            points=_points(sample),
            notes=notes,
        )
        yield _name(i, sample.get("img_path"), sample.get("ref_id")), picture


def _points(sample) -> np.ndarray | None:
    points = sample.get("gt_points")
    return None if points is None else np.asarray(points, np.float64).reshape(-1, 2)


def _name(i: int, img_path: str | None, ref_id) -> str:
    return f"{i:05d}_{Path(img_path or 'item').stem}_{ref_id}"


def draw_pseudo_anns(dataset, path: str, visualizer: RISLocalVisualizer, num: int):
    """Yield (name, picture) for the first ``num`` refs of a pseudo annotation file."""
    with open(path, encoding="utf-8") as f:
        pseudo = json.load(f)
    if not isinstance(pseudo, dict):
        raise ValueError(f"{path}: expected a JSON object {{ref_id: segmentation}}")
    infos = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        infos.setdefault(int(info["ref_id"]), info)
    missing = [r for r in pseudo if int(r) not in infos]
    if len(missing) == len(pseudo):
        raise ValueError(f"{path}: none of its {len(pseudo)} ref ids is in the split")
    if missing:
        print(f"{path}: {len(missing)} of {len(pseudo)} refs are not in the split; skipped")
    kept = [r for r in pseudo if int(r) in infos][:num]
    for i, ref_id in enumerate(kept):
        info = infos[int(ref_id)]
        mask = segmentation_to_mask(pseudo[ref_id], info["height"], info["width"])
        gt, box = _gt(info)
        picture = visualizer.draw_ris(
            read_image(info["img_path"], backend="pillow"),
            text=info["texts"][0],
            pred_mask=mask,
            gt_mask=gt,
            box=box if gt is None else None,
            iou=None if gt is None else _iou(mask, gt),
            notes=[f"pseudo mask of ref {ref_id} ({Path(path).name})"],
        )
        yield _name(i, info["img_path"], ref_id), picture


def draw_proposals(dataset, folder: str, visualizer: RISLocalVisualizer, num: int):
    """Yield (name, picture) for the first ``num`` refs' images with their proposals."""
    count = 0
    for i in range(len(dataset)):
        if count == num:
            return
        info = dataset.get_data_info(i)
        masks, scores = read_proposals(folder, info["image_id"])
        gt, _ = _gt(info)
        best = (
            ""
            if gt is None or not len(masks)
            else f"; best IoU with the GT {max(_iou(m, gt) for m in masks):.2f}"
        )
        picture = visualizer.draw_proposals(
            read_image(info["img_path"], backend="pillow"),
            masks,
            scores,
            text=info["texts"][0],
            gt_mask=gt,
            notes=[f"{len(masks)} proposals of image {info['image_id']}{best}"],
        )
        count += 1
        yield _name(i, info["img_path"], info["ref_id"]), picture


def main() -> int:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    pseudo = args.pseudo_ann is not None or args.proposals is not None
    dataset = build_dataset(cfg, args.split, with_all_masks=pseudo)
    visualizer = RISLocalVisualizer(name="browse_dataset")
    if args.pseudo_ann:
        pictures = draw_pseudo_anns(dataset, args.pseudo_ann, visualizer, args.num)
    elif args.proposals:
        pictures = draw_proposals(dataset, args.proposals, visualizer, args.num)
    else:
        pictures = draw_pipeline(dataset, visualizer, args.num)
    count = 0
    for name, picture in pictures:
        write_rgb(str(Path(args.out) / f"{name}.png"), picture)
        count += 1
    print(f"{count} pictures written to {args.out}")
    return count


if __name__ == "__main__":
    main()
