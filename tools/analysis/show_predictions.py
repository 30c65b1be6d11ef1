"""Draw a grid of test predictions, to see what a model gets right and wrong.

    python tools/test.py CONFIG CHECKPOINT --out preds.json
    python tools/analysis/show_predictions.py preds.json --out grid.png [--num 32] [--worst]
    python tools/test.py CONFIG CHECKPOINT --show-dir show/
    python tools/analysis/show_predictions.py show/ --out grid.png [--num 12]

Each cell is drawn by ``RISLocalVisualizer``: the sentence and the IoU above, the image as it
is on the left, and on the right the prediction (magenta fill), the GT (green outline) and, for
sequence models, the predicted contour points (joined in decoding order, the first white, the
last yellow) and box (orange). From a predictions file, cells follow the file's order, or the
lowest IoU first with ``--worst``; from a ``--show-dir`` folder, the pictures' name order.
Prints the drawn samples (index, text, IoU; or the picture files) as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from risseg.evaluation import load_predictions
from risseg.utils.drawing import tile
from risseg.utils.image_io import read_image
from risseg.utils.masks import rle_to_mask
from risseg.visualization import RISLocalVisualizer
from risseg.visualization.ris_visualizer import CAPTION_BG


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Grid of predictions from tools/test.py")
    parser.add_argument(
        "pred",
        help=".json written by tools/test.py --out preds.json, or a "
        "folder written by tools/test.py --show-dir",
    )
    parser.add_argument("--out", required=True, help="output .png")
    parser.add_argument("--num", type=int, default=32, help="samples to draw")
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--cell", type=int, default=384, help="cell width in pixels")
    parser.add_argument("--worst", action="store_true", help="lowest IoU first (.json only)")
    parser.add_argument(
        "--palette",
        type=int,
        metavar="COLOURS",
        help="save a palette PNG of at most COLOURS (2-256) colours: a "
        "fraction of the size, for docs",
    )
    return parser.parse_args()


def draw_records(path: str, num: int, worst: bool) -> tuple[list[np.ndarray], list[dict]]:
    """Pictures of the first ``num`` records of a DumpPredictions file, and what they show."""
    records = load_predictions(path, required=("pred_rle", "gt_rle", "img_path", "iou"))
    order = (
        np.argsort([r["iou"] for r in records], kind="stable") if worst else np.arange(len(records))
    )
    visualizer = RISLocalVisualizer(name="show_predictions", min_side=256)
    cells, drawn = [], []
    for i in order[:num]:
        rec = records[i]
        try:
            image = read_image(rec["img_path"], backend="pillow")
        except (OSError, ValueError) as err:
            raise OSError(f"record {i}: cannot read {rec['img_path']} ({err})") from err
        cells.append(
            visualizer.draw_ris(
                image,
                text=rec.get("text"),
                pred_mask=rle_to_mask(rec["pred_rle"]),
                gt_mask=rle_to_mask(rec["gt_rle"]),
                iou=rec["iou"],
                points=rec.get("pred_points"),
                box=rec.get("pred_bbox"),
            )
        )
        drawn.append(dict(index=int(i), text=rec.get("text"), iou=round(rec["iou"], 4)))
    return cells, drawn


def read_pictures(folder: Path, num: int) -> tuple[list[np.ndarray], list[dict]]:
    """The first ``num`` PNG pictures of a ``--show-dir`` folder in name order."""
    files = sorted(folder.glob("*.png"))[:num]
    if not files:
        raise FileNotFoundError(f"no .png pictures in {folder}")
    return (
        [np.asarray(Image.open(f).convert("RGB")) for f in files],
        [dict(file=str(f)) for f in files],
    )


def main() -> list[dict]:
    args = parse_args()
    source = Path(args.pred)
    if source.is_dir():
        if args.worst:
            raise SystemExit("--worst needs a predictions .json (tools/test.py --out)")
        cells, drawn = read_pictures(source, args.num)
    else:
        cells, drawn = draw_records(args.pred, args.num, args.worst)
    # cells as wide as --cell and as high as the tallest picture at that width
    cell = (args.cell, max(round(args.cell * c.shape[0] / c.shape[1]) for c in cells))
    grid = Image.fromarray(tile(cells, args.columns, cell, CAPTION_BG, gap=8))
    if args.palette is not None:
        if not 2 <= args.palette <= 256:
            raise SystemExit(f"--palette takes 2 to 256 colours, got {args.palette}")
        grid = grid.quantize(
            colors=args.palette, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
    grid.save(args.out, optimize=True)
    print(json.dumps(drawn))
    return drawn


if __name__ == "__main__":
    main()
