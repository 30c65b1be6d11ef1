"""Images per CPU second of ``risseg.apis.segment``: one (image, text) per call against batched.

Builds CONFIG's model with random weights (missing checkpoint paths dropped), takes the first
``--images`` val images of its dataset (SynthRef is generated on first use) with every sentence
of their refs, and times, at 1 thread (``time.process_time``), (a) one ``segment`` call per pair
and (b) one call per image with all of its sentences and (c) one call with every pair; it checks
that all three give the same masks.

    python benchmarks/segment_batching.py configs/seqtr/segm_synthref.py [--images 16]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from risseg.apis import init_segmentor, segment
from risseg.registry import DATASETS
from risseg.testing import drop_missing_checkpoints


def timed(fn) -> tuple[float, list]:
    """CPU seconds of ``fn()`` and its results as a flat list."""
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def measure(config: str, images: int, batch_size: int) -> dict:
    """Pairs per CPU second of the three ways of calling ``segment``; see the module docstring."""
    torch.set_num_threads(1)
    cfg = Config.fromfile(config)
    model_cfg = cfg.model.to_dict()
    drop_missing_checkpoints(model_cfg)
    cfg.model = model_cfg
    init_default_scope("risseg")
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    torch.manual_seed(0)
    model = init_segmentor(cfg)
    by_image: dict[str, list[str]] = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if info["img_path"] not in by_image and len(by_image) == images:
            break
        by_image.setdefault(info["img_path"], []).extend(info["texts"])
    pairs = [(path, text) for path, texts in by_image.items() for text in texts]
    segment(model, pairs[0][0], pairs[0][1])  # warm-up
    single_s, single = timed(lambda: [segment(model, p, t) for p, t in pairs])
    per_image_s, per_image = timed(
        lambda: [r for p, ts in by_image.items() for r in segment(model, p, ts, batch_size)]
    )
    all_s, everything = timed(
        lambda: segment(model, [p for p, _ in pairs], [t for _, t in pairs], batch_size)
    )
    same = all(
        np.array_equal(a.mask, b.mask) and np.array_equal(a.mask, c.mask)
        for a, b, c in zip(single, per_image, everything, strict=True)
    )
    n = len(pairs)
    return dict(
        config=config,
        images=len(by_image),
        pairs=n,
        batch_size=batch_size,
        threads=1,
        one_pair_per_call_per_s=n / single_s,
        one_image_per_call_per_s=n / per_image_s,
        all_pairs_one_call_per_s=n / all_s,
        speedup_one_image=single_s / per_image_s,
        speedup_all_pairs=single_s / all_s,
        identical_masks=same,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    print(json.dumps(measure(args.config, args.images, args.batch_size)))


if __name__ == "__main__":
    main()
