"""Cost of the truncation check in ``risseg.utils.image_io.read_image`` per image.

Usage: PYTHONPATH=. python benchmarks/image_read_check.py [--n 200] [--repeat 5]

Writes ``--n`` COCO-like JPEGs (640x480, quality 90, textured so the files are ~100-200 KB like
COCO's) and SynthRef-like PNGs (128x128) into a temporary folder, then prints milliseconds per
image (median of ``--repeat`` passes, one process, files in the page cache) for: the old
``cv2.imread`` + BGR->RGB, ``read_image`` (read bytes, check, ``cv2.imdecode``), the same without
the check, and the check alone. Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from risseg.utils.image_io import check_complete, read_image


def _coco_like(rng: np.random.Generator) -> np.ndarray:
    """A 480x640 image with smooth regions, edges and noise (a natural photo's JPEG size)."""
    yy, xx = np.mgrid[0:480, 0:640].astype(np.float32)
    img = np.stack(
        [
            np.sin(xx / rng.uniform(20, 80)) * 60
            + np.cos(yy / rng.uniform(20, 80)) * 60
            + rng.uniform(60, 190)
            for _ in range(3)
        ],
        axis=-1,
    )
    for _ in range(12):
        x, y, r = rng.integers(0, 640), rng.integers(0, 480), int(rng.integers(10, 90))
        cv2.circle(img, (int(x), int(y)), r, rng.uniform(0, 255, 3).tolist(), -1)
    img += rng.normal(0, 9, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _old_read(path: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _check_only(path: str) -> None:
    with open(path, "rb") as f:
        check_complete(f.read(), path)


def _time(fn, paths: list[str], repeat: int) -> float:
    """Median milliseconds per image over ``repeat`` passes."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for p in paths:
            fn(p)
        runs.append((time.perf_counter() - start) * 1000 / len(paths))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        sets = {"jpeg 640x480 q90": [], "png 128x128": []}
        for i in range(args.n):
            img = _coco_like(rng)
            sets["jpeg 640x480 q90"].append(f"{tmp}/{i}.jpg")
            cv2.imwrite(sets["jpeg 640x480 q90"][-1], img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            sets["png 128x128"].append(f"{tmp}/{i}.png")
            cv2.imwrite(sets["png 128x128"][-1], cv2.resize(img, (128, 128)))
        for name, paths in sets.items():
            kb = np.mean([Path(p).stat().st_size for p in paths]) / 1024
            _time(_old_read, paths, 1)  # warm the page cache
            old = _time(_old_read, paths, args.repeat)
            new = _time(read_image, paths, args.repeat)
            unchecked = _time(lambda p: read_image(p, check=False), paths, args.repeat)
            check = _time(_check_only, paths, args.repeat)
            print(
                f"{name} ({kb:.0f} KB avg, n={len(paths)}): cv2.imread {old:.3f} ms, "
                f"read_image {new:.3f} ms ({(new - old) / old * 100:+.1f}%), "
                f"read_image(check=False) {unchecked:.3f} ms, check alone {check:.3f} ms"
            )


if __name__ == "__main__":
    main()
