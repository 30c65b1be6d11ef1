"""Segment what an expression refers to in one image.

    python tools/infer.py CONFIG CHECKPOINT --image IMG --text "the red star" ["the circle" ...] \
        [--out-dir work_dirs/infer] [--device cpu] [--cfg-options ...]

Writes ``<out-dir>/<image stem>_mask.png`` (0/255) and ``<image stem>_overlay.png`` (drawn by
``RISLocalVisualizer``: the sentence above, the image as it is on the left and, on the right,
the mask as a magenta fill with its outline, plus contour points and box when the model
predicts them) and prints a JSON summary; several
texts are segmented in one batch and write ``<image stem>_<k>_mask.png`` etc., one JSON line
each. A missing,
truncated or undecodable image, or a checkpoint that is not a safe local file, ends the run with
a message naming it, exit status 1 and nothing written.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np
from mmengine.config import DictAction
from PIL import Image

from risseg.apis import init_segmentor, segment
from risseg.utils.image_io import read_image
from risseg.visualization import RISLocalVisualizer


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Referring segmentation of one image")
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument("--image", required=True, help="image file")
    parser.add_argument(
        "--text",
        required=True,
        nargs="+",
        help="referring expression(s); several are segmented in one batch",
    )
    parser.add_argument("--out-dir", default="work_dirs/infer")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args()


def run(args: argparse.Namespace) -> list[dict]:
    """Segment ``args.image`` for every ``--text``; write masks and overlays after all succeed.

    One text writes ``<stem>_mask.png`` / ``<stem>_overlay.png``; several write
    ``<stem>_<k>_mask.png`` / ``<stem>_<k>_overlay.png`` for the k-th text. Nothing is written
    on an error.
    """
    model = init_segmentor(args.config, args.checkpoint, args.device, args.cfg_options)
    results = segment(model, args.image, list(args.text))  # LoadImage refuses truncated files
    image = read_image(args.image, backend="pillow")
    visualizer = RISLocalVisualizer(name="infer")  # upscales small images to be readable
    overlays = [
        visualizer.draw_ris(image, text=text, pred_mask=r.mask, points=r.points, box=r.box)
        for text, r in zip(args.text, results, strict=True)
    ]
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(args.image).stem
    summaries = []
    for k, (text, result, overlay) in enumerate(zip(args.text, results, overlays, strict=True)):
        name = stem if len(args.text) == 1 else f"{stem}_{k}"
        mask_path, overlay_path = out_dir / f"{name}_mask.png", out_dir / f"{name}_overlay.png"
        Image.fromarray(result.mask.astype(np.uint8) * 255).save(mask_path)
        Image.fromarray(overlay).save(overlay_path)
        summaries.append(
            dict(
                image=args.image,
                text=text,
                mask_area=int(result.mask.sum()),
                box=None if result.box is None else result.box.tolist(),
                mask=str(mask_path),
                overlay=str(overlay_path),
            )
        )
    return summaries


def main() -> list[dict]:
    args = parse_args()
    try:
        summaries = run(args)
    except (OSError, ValueError, pickle.UnpicklingError) as err:
        # a missing / truncated / undecodable image, a refused or unsafe checkpoint, empty text
        sys.exit(f"tools/infer.py: {type(err).__name__}: {err}")
    for summary in summaries:  # one JSON line per text
        print(json.dumps(summary))
    return summaries


if __name__ == "__main__":
    main()
