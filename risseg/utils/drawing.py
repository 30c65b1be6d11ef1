"""Overlays of predictions on images, for looking at what a model does."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

PRED_COLOUR = (230, 40, 40)
GT_COLOUR = (40, 200, 40)
BOX_COLOUR = (230, 0, 230)


def draw_prediction(image: np.ndarray, mask: np.ndarray | None = None,
                    gt_mask: np.ndarray | None = None, points: np.ndarray | None = None,
                    box: np.ndarray | None = None, scale: int = 1,
                    alpha: float = 0.5, dim: float = 0.5) -> np.ndarray:
    """Draw a prediction (red), the GT mask (green), contour points and a box on an image.

    Contour points are joined in their predicted order and coloured from white (the first) to
    yellow (the last), so that a sequence's start and direction can be read off the picture.

    Args:
        image: (H, W, 3) uint8 RGB.
        mask, gt_mask: (H, W) bool masks, or None.
        points: (M, 2) x, y points in image pixels (negative rows are padding), or None.
        box: (4,) x1, y1, x2, y2 in image pixels, or None.
        scale: integer up-scaling of the output (nearest neighbour), for small images.
        alpha: opacity of the mask colours.
        dim: the image is shown in grey at this brightness (1 keeps it as is), so that the
            mask colours stand out on colourful scenes.

    Returns:
        (H * scale, W * scale, 3) uint8 RGB image.
    """
    out = np.asarray(image, dtype=np.float32).copy()
    if dim != 1:
        out = np.repeat(out.mean(axis=2, keepdims=True), 3, axis=2) * dim
    for m, colour in ((gt_mask, GT_COLOUR), (mask, PRED_COLOUR)):
        if m is not None:
            m = np.asarray(m, dtype=bool)
            out[m] = (1 - alpha) * out[m] + alpha * np.asarray(colour, np.float32)
    canvas = Image.fromarray(out.round().astype(np.uint8))
    if scale != 1:
        canvas = canvas.resize((canvas.width * scale, canvas.height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(canvas)
    if box is not None:
        draw.rectangle([float(v) * scale for v in np.asarray(box).reshape(4)],
                       outline=BOX_COLOUR)
    if points is not None:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        pts = pts[(pts >= 0).all(axis=1)] * scale
        if len(pts) > 1:
            draw.line([tuple(p) for p in pts], fill=(0, 140, 255))
        r = max(1.5, scale)
        for i, (x, y) in enumerate(pts):
            blue = int(255 * (1 - i / max(len(pts) - 1, 1)))
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, blue))
    return np.asarray(canvas)


def tile(images: list[np.ndarray], columns: int, cell: int = 256) -> np.ndarray:
    """Grid of images, each scaled to fit a ``cell`` x ``cell`` square (aspect kept, black
    borders), ``columns`` per row, blank cells at the end.

    Args:
        images: (H_i, W_i, 3) uint8 RGB images of any sizes.
        columns: cells per row.
        cell: side of a cell in pixels.

    Returns:
        (rows * cell, columns * cell, 3) uint8 RGB image.
    """
    if not images:
        raise ValueError("tile needs at least one image")
    rows = -(-len(images) // columns)
    grid = np.zeros((rows * cell, columns * cell, 3), dtype=np.uint8)
    for i, img in enumerate(images):
        h, w = img.shape[:2]
        f = cell / max(h, w)
        nh, nw = max(1, round(h * f)), max(1, round(w * f))
        small = np.asarray(Image.fromarray(np.asarray(img, np.uint8)).resize((nw, nh)))
        r, c = divmod(i, columns)
        grid[r * cell:r * cell + nh, c * cell:c * cell + nw] = small
    return grid
