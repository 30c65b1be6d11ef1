"""Speed of Pseudo-RIS caption generation: 44 candidates per mask, per-call vs batched decoding.

Captions the first --images SynthRef train images with their true masks (2-6 per image) with
``CaptionCandidates`` of configs/pseudo_ris/generate_synthref.py's settings, once per
implementation: ``loop`` (one ``caption`` call per view and setting, ``batched=False``) and
``batched`` (all views' beam searches in one call, all samples in one loop). Reports seconds
per image (CPU time of the process, one thread;
wall time too), the mean caption length and whether the beam-search candidates agree.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/pseudo_ris_caption_speed.py [--images 4] \
        [--coca work_dirs/standins/coca] [--plain]
With no trained stand-in at --coca the stand-in architecture is used with random weights
(captions then rarely end early: a worst case).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path("data/synthref")


def build_captioner(coca: Path):
    """The CoCa stand-in at ``coca``, or its architecture with random weights."""
    from risseg.foundation import OpenCoCaCaptioner
    from risseg.standins.coca import MODEL_CFG, MODEL_NAME

    ckpt = coca / "open_clip_model.safetensors"
    if ckpt.is_file():
        return OpenCoCaCaptioner(MODEL_NAME, ckpt, model_config=coca / "open_clip_config.json")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "cfg.json"
        cfg.write_text(json.dumps(MODEL_CFG))
        return OpenCoCaCaptioner(MODEL_NAME, None, model_config=cfg)


def load_images(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(image RGB, bool masks (M, H, W)) of the first ``n`` SynthRef images."""
    from risseg.pseudo_ris.stages import load_rgb
    from risseg.utils.masks import segmentation_to_mask

    inst = json.loads((DATA / "instances.json").read_text())
    out = []
    for im in inst["images"][:n]:
        anns = [a for a in inst["annotations"] if a["image_id"] == im["id"]]
        masks = np.stack(
            [segmentation_to_mask(a["segmentation"], im["height"], im["width"]) for a in anns]
        ).astype(bool)
        out.append((load_rgb(str(DATA / "images" / im["file_name"])), masks))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--coca", type=Path, default=Path("work_dirs/standins/coca"))
    parser.add_argument("--plain", action="store_true", help="no distinctive sampling")
    parser.add_argument("--impls", nargs="+", default=["loop", "batched"])
    args = parser.parse_args()

    import torch

    from risseg.pseudo_ris import CaptionCandidates

    torch.set_num_threads(1)
    captioner = build_captioner(args.coca)
    images = load_images(args.images)
    kw = dict(distinctive=not args.plain, min_len=3)  # generate_synthref.py's settings
    results = {}
    for impl in args.impls:
        cands = CaptionCandidates(captioner, batched=impl == "batched", **kw)
        t0, c0 = time.perf_counter(), time.process_time()
        caps = [cands(img, masks, seed=i) for i, (img, masks) in enumerate(images)]
        seconds = (time.process_time() - c0) / len(images)
        wall = (time.perf_counter() - t0) / len(images)
        words = [len(c.split()) for per_img in caps for per_mask in per_img for c in per_mask]
        results[impl] = dict(seconds_per_image=seconds, wall=wall, mean_words=np.mean(words))
        results[impl]["beams"] = [m[:: cands.per_view] for per_img in caps for m in per_img]
    masks = sum(len(m) for _, m in images)
    print(f"{len(images)} images, {masks} masks, distinctive={not args.plain}, {args.coca}")
    for impl, r in results.items():
        print(
            f"{impl}: {r['seconds_per_image']:.2f} CPU-s/image ({r['wall']:.2f} s wall), "
            f"{r['mean_words']:.2f} words/caption"
        )
    if len(results) == 2:
        a, b = (r["beams"] for r in results.values())
        same = sum(x == y for ma, mb in zip(a, b, strict=True) for x, y in zip(ma, mb, strict=True))
        print(f"beam-search candidates equal: {same}/{sum(len(m) for m in a)}")
        speedup = results["loop"]["seconds_per_image"] / results["batched"]["seconds_per_image"]
        print(f"speed-up: {speedup:.1f}x")


if __name__ == "__main__":
    main()
