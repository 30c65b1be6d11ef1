"""Small array helpers for pictures: upscaling, mask outlines, caption wrapping and grids.

The drawing itself is done by :class:`risseg.visualization.RISLocalVisualizer`.
"""

from __future__ import annotations

import math
import textwrap

import cv2
import numpy as np
from PIL import Image


def upscale_factor(height: int, width: int, min_side: int) -> int:
    """Integer factor that brings the longer side of an image to at least ``min_side``."""
    return max(1, math.ceil(min_side / max(height, width, 1)))


def upscale(array: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling of an (H, W) or (H, W, C) array by an integer factor."""
    if factor == 1:
        return array
    return np.repeat(np.repeat(array, factor, axis=0), factor, axis=1)


def mask_outlines(mask: np.ndarray, min_points: int = 3) -> list[np.ndarray]:
    """External outlines of every region of a mask, for drawing as polygons.

    Args:
        mask: (H, W) bool mask.
        min_points: outlines with fewer points (single pixels, thin lines) are dropped.

    Returns:
        A list of (P, 2) float x, y arrays in pixel-corner coordinates (a pixel ``i`` spans
        ``[i, i + 1)``), one per region.
    """
    contours, _ = cv2.findContours(
        np.ascontiguousarray(mask, dtype=np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    # OpenCV returns pixel indices on the boundary; +0.5 puts the line on the pixel centres
    return [c.reshape(-1, 2).astype(np.float64) + 0.5 for c in contours if len(c) >= min_points]


def wrap_caption(text: str, width_px: float, font_px: float) -> list[str]:
    """Split ``text`` into lines that fit ``width_px`` at a font of ``font_px`` pixels.

    The width of a character is taken as 0.55 of the font size (DejaVu Sans, lower case).
    """
    chars = max(8, int(width_px / (0.55 * font_px)))
    return textwrap.wrap(text, chars) or [""]


def tile(
    images: list[np.ndarray],
    columns: int,
    cell: int | tuple[int, int] = 256,
    background: tuple[int, int, int] = (0, 0, 0),
    gap: int = 0,
) -> np.ndarray:
    """Grid of images, each scaled to fit a cell (aspect kept, ``background`` borders),
    ``columns`` per row, blank cells at the end.

    Args:
        images: (H_i, W_i, 3) uint8 RGB images of any sizes.
        columns: cells per row.
        cell: side of a square cell, or (width, height), in pixels.
        background: RGB colour of the borders and blank cells.
        gap: pixels of background between two cells.

    Returns:
        (rows * (cell height + gap) - gap, columns * (cell width + gap) - gap, 3) uint8 RGB.
    """
    if not images:
        raise ValueError("tile needs at least one image")
    cw, ch = (cell, cell) if isinstance(cell, int) else (int(cell[0]), int(cell[1]))
    rows = -(-len(images) // columns)
    grid = np.empty((rows * (ch + gap) - gap, columns * (cw + gap) - gap, 3), dtype=np.uint8)
    grid[:] = background
    for i, img in enumerate(images):
        h, w = img.shape[:2]
        f = min(cw / w, ch / h)
        nh, nw = max(1, round(h * f)), max(1, round(w * f))
        small = np.asarray(
            Image.fromarray(np.asarray(img, np.uint8)).resize((nw, nh), Image.LANCZOS)
        )
        r, c = divmod(i, columns)
        y, x = r * (ch + gap), c * (cw + gap)
        grid[y : y + nh, x : x + nw] = small
    return grid
