"""Time the data pipelines of the seed protocols and RefSegMetric on synthetic samples.

Usage: PYTHONPATH=. python benchmarks/transforms_speed.py [--n 100] [--size 480 640]
Prints milliseconds per sample (CPU, one process). Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

import risseg.datasets.transforms  # noqa: F401
from risseg.evaluation import RefSegMetric
from risseg.structures import RISDataSample

WORDS = dict(type="WordVocabTokenizer", vocab=["man", "left", "the", "on"])
PIPELINES = {
    "lavt (resize 480, flip-free)": [
        dict(type="Resize", scale=(480, 480), backend="pillow"),
        dict(type="TokenizeText", tokenizer=WORDS, max_length=20),
        dict(type="PackRISInputs"),
    ],
    "seqtr (keep-ratio 640, flip, pad 32)": [
        dict(type="Resize", scale=(640, 640), keep_ratio=True),
        dict(type="RandomFlip", prob=0.5),
        dict(type="Pad", size_divisor=32),
        dict(type="TokenizeText", tokenizer=WORDS, max_length=15),
        dict(type="PackRISInputs"),
    ],
    "cris (letterbox 416, CLIP BPE)": [
        dict(type="Letterbox", size=416, pad_value=(122.77, 116.75, 104.09)),
        dict(type="TokenizeText", tokenizer=dict(type="CLIPTokenizer"), max_length=17),
        dict(type="PackRISInputs"),
    ],
    "semires strong view (resize 480, blur, jitter)": [
        dict(type="Resize", scale=(480, 480)),
        dict(type="GaussianBlur", prob=1.0),
        dict(type="PhotometricJitter", prob=1.0),
        dict(type="PackRISInputs"),
    ],
}


def _sample(h: int, w: int, rng: np.random.Generator) -> dict:
    mask = np.zeros((h, w), bool)
    mask[h // 4 : h // 2, w // 3 : w // 2] = True
    return dict(
        img=rng.integers(0, 255, (h, w, 3), dtype=np.uint8),
        gt_mask=mask,
        gt_bbox=np.array([w // 3, h // 4, w // 2, h // 2], np.float32),
        text="the man on the left",
        ori_shape=(h, w),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--size", type=int, nargs=2, default=(480, 640), metavar=("H", "W"))
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    np.random.seed(0)
    h, w = args.size
    samples = [_sample(h, w, rng) for _ in range(8)]
    for name, cfg in PIPELINES.items():
        with DefaultScope.overwrite_default_scope("risseg"):
            pipeline = Compose(cfg)
        pipeline(dict(samples[0]))  # warm-up (tokenizer caches)
        start = time.perf_counter()
        for i in range(args.n):
            pipeline(dict(samples[i % len(samples)]))
        print(f"{name:48s} {1000 * (time.perf_counter() - start) / args.n:7.2f} ms/sample")
    metric = RefSegMetric()
    batch = []
    for _ in range(args.n):
        s = RISDataSample(metainfo=dict(ref_id=0, ori_shape=(h, w)))
        s.pred_mask = PixelData(data=torch.rand(1, h, w) > 0.5)
        s.gt_mask = PixelData(data=torch.rand(1, h, w) > 0.5)
        batch.append(s)
    start = time.perf_counter()
    metric.process(None, batch)
    ms = 1000 * (time.perf_counter() - start) / args.n
    print(f"{'RefSegMetric.process':48s} {ms:7.2f} ms/sample")


if __name__ == "__main__":
    main()
