"""CPU speed and memory of the open_clip scorer and CoCa captioner (random weights).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/scorer_captioner_speed.py --models tiny RN50-quickgelu

Prints, per model, the parameter memory, the peak resident memory of the process so far, the
seconds per image for ``encode_images``, per text for ``encode_texts`` and, for CoCa, per
caption (greedy, 30 tokens at most). Weights are random: speed does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import torch

from risseg.testing.tiny_open_clip import register_tiny_open_clip


def _timed(fn, repeats):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(name, n_images, repeats):
    from risseg.foundation.clip_scorers import OpenCLIPScorer
    from risseg.foundation.coca_captioner import OpenCoCaCaptioner

    images = [
        np.random.RandomState(i).randint(0, 255, (480, 640, 3), dtype=np.uint8)
        for i in range(n_images)
    ]
    texts = ["the man in the red shirt on the left"] * n_images
    coca = "coca" in name
    torch.manual_seed(0)
    model = OpenCoCaCaptioner(name, None) if coca else OpenCLIPScorer(name, None)
    params = sum(p.numel() for p in model.parameters())
    row = {
        "model": name,
        "params_M": round(params / 1e6, 2),
        "param_MiB": round(params * 4 / 2**20, 1),
    }
    if coca:
        row["s_per_image_encode"] = _timed(lambda: model.encode_images(images), repeats) / n_images
        row["s_per_caption_greedy30"] = (
            _timed(
                lambda: model.generate_tokens(images, strategy="greedy", max_len=30, min_len=30),
                repeats,
            )
            / n_images
        )
    else:
        row["s_per_image_encode"] = _timed(lambda: model.encode_images(images), repeats) / n_images
        row["s_per_text_encode"] = _timed(lambda: model.encode_texts(texts), repeats) / n_images
    row["peak_rss_MiB"] = round(_peak_mib(), 0)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["tiny", "RN50-quickgelu"],
        help="'tiny' (the CLIP-RN and CoCa of risseg.testing.tiny_open_clip) or open_clip names",
    )
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    tiny = register_tiny_open_clip()
    names = [n for m in args.models for n in (tiny if m == "tiny" else [m])]
    print(f"torch threads: {torch.get_num_threads()}, images 480x640, batch {args.images}")
    for name in names:
        print(json.dumps(bench(name, args.images, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
