"""Drawing one SynthRef image: a noisy, cluttered background and 2-6 shapes.

Objects are painted in order, so later ones may occlude earlier ones; every object keeps at
least ``MIN_VISIBLE`` of its area visible. Masks come from pycocotools' rasterisation of the
same polygons stored in ``instances.json``, so images and annotations agree pixel for pixel.
"""

from __future__ import annotations

import cv2
import numpy as np

from risseg.utils.masks import polygons_to_mask

from .shapes import COLOURS, SHAPES, SIZE_RADIUS, SIZES, shape_polygons

MIN_VISIBLE = 0.5  # least visible fraction of each object's area


def _background(rng: np.random.Generator, side: int) -> np.ndarray:
    """A low-saturation gradient with noise and colourful clutter (float32 (side, side, 3))."""
    base = rng.uniform(70, 190, size=3)
    base = base.mean() + 0.35 * (base - base.mean())  # low saturation
    ramp = np.linspace(-1, 1, side, dtype=np.float32)
    gx, gy = rng.uniform(-25, 25, size=2)
    img = base[None, None, :] + (gx * ramp[None, :] + gy * ramp[:, None])[..., None]
    img = np.ascontiguousarray(img, dtype=np.float32)
    palette = list(COLOURS.values())
    for _ in range(rng.integers(3, 8)):  # thin lines in object colours
        p0, p1 = rng.integers(0, side, size=(2, 2))
        colour = palette[rng.integers(len(palette))]
        cv2.line(
            img,
            tuple(int(v) for v in p0),
            tuple(int(v) for v in p1),
            tuple(float(c) for c in colour),
            1,
            cv2.LINE_AA,
        )
    for _ in range(rng.integers(6, 16)):  # specks smaller than any object
        c = rng.integers(0, side, size=2)
        colour = palette[rng.integers(len(palette))]
        cv2.circle(
            img,
            (int(c[0]), int(c[1])),
            int(rng.integers(1, 3)),
            tuple(float(v) for v in colour),
            -1,
        )
    return img


def _sample_object(rng: np.random.Generator, side: int) -> dict:
    shape = SHAPES[rng.integers(len(SHAPES))]
    colour = list(COLOURS)[rng.integers(len(COLOURS))]
    size = SIZES[rng.integers(len(SIZES))]
    lo, hi = SIZE_RADIUS[size]
    r = float(rng.uniform(lo, hi) * side)
    cx, cy = (float(v) for v in rng.uniform(r + 1, side - r - 1, size=2))
    polys = shape_polygons(shape, cx, cy, r)
    return dict(
        shape=shape,
        colour=colour,
        size=size,
        center=[round(cx, 2), round(cy, 2)],
        radius=round(r, 2),
        polygons=polys,
        full=polygons_to_mask(polys, side, side),
    )


def _visible(objects: list[dict]) -> list[np.ndarray]:
    covered = np.zeros_like(objects[0]["full"])
    out = []
    for o in reversed(objects):  # later objects are on top
        out.append(o["full"] & ~covered)
        covered |= o["full"]
    return out[::-1]


def make_scene(
    rng: np.random.Generator, side: int = 128, min_objects: int = 2, max_objects: int = 6
) -> tuple[np.ndarray, list[dict]]:
    """Draw one image and its objects.

    Args:
        rng: the image's own generator (seeded per image, so images are independent of the
            number of worker processes).
        side: image side S in pixels.
        min_objects: fewest objects.
        max_objects: most objects.

    Returns:
        image uint8 (S, S, 3) RGB, and the objects: dicts with ``shape, colour, size,
        center, radius, polygons, mask`` (visible part, bool (S, S)) and ``occluded``.
    """
    img = _background(rng, side)
    objects: list[dict] = []
    for _ in range(int(rng.integers(min_objects, max_objects + 1))):
        for _attempt in range(20):
            cand = _sample_object(rng, side)
            vis = _visible(objects + [cand])
            if all(
                v.sum() >= MIN_VISIBLE * o["full"].sum()
                for v, o in zip(vis, objects + [cand], strict=True)
            ):
                objects.append(cand)
                break
    for o, vis in zip(objects, _visible(objects), strict=True):
        colour = np.array(COLOURS[o["colour"]], np.float32) + rng.uniform(-18, 18, size=3)
        shade = rng.uniform(-12, 12) * np.linspace(-1, 1, side, dtype=np.float32)
        ys = np.nonzero(o["full"])[0]
        img[o["full"]] = colour[None, :] + shade[ys, None]  # (N, 3) pixels of the shape
        o["mask"] = vis
        o["occluded"] = bool((vis != o["full"]).any())
        del o["full"]
    img += rng.uniform(6, 14) * rng.standard_normal(img.shape, dtype=np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), objects
