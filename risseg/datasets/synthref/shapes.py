"""SynthRef vocabulary of objects: shapes (as polygons), colours and sizes.

Every shape is mirror-symmetric about its vertical axis, so a horizontal flip changes no
shape word (only positions, whose words ``left``/``right`` the flip swaps).
"""

from __future__ import annotations

import numpy as np

# Shape name -> category id. testA holds targets of the curved group, testB the rest.
SHAPES: tuple[str, ...] = ("circle", "ring", "ellipse", "square", "triangle", "diamond", "star")
CURVED_SHAPES: frozenset[str] = frozenset({"circle", "ring", "ellipse"})
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 45, 40),
    "green": (45, 170, 60),
    "blue": (45, 85, 215),
    "yellow": (230, 205, 45),
    "purple": (145, 60, 195),
    "cyan": (50, 200, 210),
}
SIZES: tuple[str, ...] = ("small", "big")
# Radius range as a fraction of the image side (128 px: small 9-12 px, big 18-24 px).
SIZE_RADIUS: dict[str, tuple[float, float]] = {"small": (0.07, 0.095), "big": (0.14, 0.19)}


def _arc(cx: float, cy: float, r: float, a0: float, a1: float, n: int) -> np.ndarray:
    t = np.linspace(a0, a1, n)
    return np.stack([cx + r * np.cos(t), cy - r * np.sin(t)], axis=1)  # (n, 2) xy, y down


def shape_polygons(shape: str, cx: float, cy: float, r: float) -> list[list[float]]:
    """COCO polygons of a shape centred at (cx, cy) with outer radius r.

    Args:
        shape: one of :data:`SHAPES`.
        cx: centre x in pixel-edge coordinates.
        cy: centre y.
        r: outer radius in pixels.

    Returns:
        list of flat ``[x1, y1, x2, y2, ...]`` polygons whose union is the shape (the ring is
        two half annuli, an object with two polygons).
    """
    if shape == "circle":
        polys = [_arc(cx, cy, r, 0, 2 * np.pi, 33)[:-1]]
    elif shape == "ellipse":
        t = np.linspace(0, 2 * np.pi, 33)[:-1]
        polys = [np.stack([cx + r * np.cos(t), cy - 0.55 * r * np.sin(t)], axis=1)]
    elif shape == "ring":
        inner = 0.55 * r
        polys = [
            np.concatenate(
                [_arc(cx, cy, r, a, a + np.pi, 17), _arc(cx, cy, inner, a + np.pi, a, 17)]
            )
            for a in (0.0, np.pi)
        ]
    elif shape == "square":
        h = 0.8 * r
        polys = [np.array([[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h]])]
    elif shape == "triangle":
        polys = [
            np.array([[cx, cy - r], [cx + 0.95 * r, cy + 0.7 * r], [cx - 0.95 * r, cy + 0.7 * r]])
        ]
    elif shape == "diamond":
        polys = [np.array([[cx, cy - r], [cx + 0.75 * r, cy], [cx, cy + r], [cx - 0.75 * r, cy]])]
    elif shape == "star":
        t = np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
        polys = [np.stack([cx + rad * np.cos(t), cy - rad * np.sin(t)], axis=1)]
    else:
        raise ValueError(f"Unknown shape {shape!r}; expected one of {SHAPES}.")
    return [np.round(p, 2).reshape(-1).tolist() for p in polys]  # (n, 2) -> (2n,)
