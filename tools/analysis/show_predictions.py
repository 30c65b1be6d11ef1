"""Draw a grid of test predictions, to see what a model gets wrong.

    python tools/test.py CONFIG CHECKPOINT --out preds.json
    python tools/analysis/show_predictions.py preds.json --out grid.png [--num 32] [--worst]

Each cell is an image with the GT mask in green and the prediction in red; for sequence models
also the predicted contour points, joined in decoding order (the first white, the last
yellow), and their box (magenta). Cells follow the file's order, or the lowest IoU first with
``--worst``. Prints the drawn samples (index, text, IoU) as JSON.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
from PIL import Image

from risseg.evaluation import load_predictions
from risseg.utils.drawing import draw_prediction, tile
from risseg.utils.masks import rle_to_mask


def main() -> list[dict]:
    parser = argparse.ArgumentParser(description="Grid of predictions from tools/test.py --out")
    parser.add_argument("pred", help=".json written by tools/test.py --out preds.json")
    parser.add_argument("--out", required=True, help="output .png")
    parser.add_argument("--num", type=int, default=32, help="samples to draw")
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--cell", type=int, default=256, help="cell size in pixels")
    parser.add_argument("--worst", action="store_true", help="lowest IoU first")
    args = parser.parse_args()
    records = load_predictions(args.pred, required=("pred_rle", "gt_rle", "img_path", "iou"))
    order = np.argsort([r["iou"] for r in records], kind="stable") if args.worst \
        else np.arange(len(records))
    cells, drawn = [], []
    for i in order[: args.num]:
        rec = records[i]
        try:
            image = np.asarray(Image.open(rec["img_path"]).convert("RGB"))
        except OSError as err:
            raise OSError(f"record {i}: cannot read {rec['img_path']} ({err})") from err
        cells.append(draw_prediction(
            image, rle_to_mask(rec["pred_rle"]), rle_to_mask(rec["gt_rle"]),
            points=rec.get("pred_points"), box=rec.get("pred_bbox")))
        drawn.append(dict(index=int(i), text=rec.get("text"), iou=round(rec["iou"], 4)))
    Image.fromarray(tile(cells, args.columns, args.cell)).save(args.out)
    print(json.dumps(drawn))
    return drawn


if __name__ == "__main__":
    main()
