"""An mmengine Visualizer that draws referring segmentation: the image, the masks, the
sentence and the IoU."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.visualization import Visualizer
from PIL import Image

from risseg.registry import VISUALIZERS
from risseg.utils.drawing import mask_outlines, upscale, upscale_factor, wrap_caption
from risseg.utils.image_io import read_image

Colour = tuple[int, int, int]
PRED_COLOUR: Colour = (255, 0, 220)  # magenta: none of SynthRef's object colours
GT_COLOUR: Colour = (0, 255, 0)
BOX_COLOUR: Colour = (255, 140, 0)
CAPTION_BG: Colour = (24, 24, 24)
GOOD_COLOUR: Colour = (110, 230, 110)  # IoU >= 0.5 in the caption
BAD_COLOUR: Colour = (255, 110, 90)
# distinct colours for several masks of one image (proposals): tab10 without its grey and its
# green (the GT's colour)
PALETTE: tuple[Colour, ...] = (
    (31, 119, 180),
    (255, 127, 14),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (188, 189, 34),
    (23, 190, 207),
)


def _numpy(value) -> np.ndarray | None:
    """A tensor, PixelData or array as a numpy array (None stays None)."""
    if value is None:
        return None
    if hasattr(value, "data") and not isinstance(value, (np.ndarray, torch.Tensor)):
        value = value.data  # PixelData
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _mask2d(value) -> np.ndarray | None:
    """(1, H, W) or (H, W) mask-like -> (H, W) bool, or None."""
    mask = _numpy(value)
    if mask is None:
        return None
    return mask.reshape(mask.shape[-2:]).astype(bool)


@VISUALIZERS.register_module()
class RISLocalVisualizer(Visualizer):
    """Draws one (image, expression) sample: the image in its own colours, the predicted mask
    as a translucent fill with its outline, the GT mask as an outline, a sequence head's
    contour points (joined in decoding order, the first white, the last yellow) and box, and
    a caption band above the image with the sentence and the IoU.

    With ``side_by_side`` (the default) the untouched image stands on the left. Small images
    are upscaled (nearest neighbour, integer factor) so that their longer side is
    at least ``min_side`` pixels and the caption is readable.

    Args:
        name, vis_backends, save_dir: as mmengine's ``Visualizer``.
        alpha: opacity of mask fills.
        min_side: smallest longer side of the drawn image, in pixels.
        line_width: width of outlines and boxes, in pixels of the drawn image.
        font_px: caption font height in pixels (default: the image's drawn width / 20, at
            least 12).
        pred_colour, gt_colour, box_colour: RGB colours.
        side_by_side: put the untouched image on the left of the drawn one, so that the
            colours the sentence names stay visible under the mask fill.
    """

    def __init__(
        self,
        name: str = "visualizer",
        vis_backends: list | None = None,
        save_dir: str | None = None,
        *,
        alpha: float = 0.45,
        min_side: int = 384,
        line_width: float = 3.0,
        font_px: float | None = None,
        pred_colour: Sequence[int] = PRED_COLOUR,
        gt_colour: Sequence[int] = GT_COLOUR,
        box_colour: Sequence[int] = BOX_COLOUR,
        side_by_side: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(name=name, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        self.alpha = alpha
        self.min_side = min_side
        self.line_width = line_width
        self.font_px = font_px
        self.pred_colour = tuple(pred_colour)
        self.gt_colour = tuple(gt_colour)
        self.box_colour = tuple(box_colour)
        self.side_by_side = side_by_side
        self._scale, self._top, self._left, self._font_px = 1, 0, 0, 12.0

    # ------------------------------------------------------------------ canvas and primitives
    def set_canvas(self, image: np.ndarray, caption: Sequence[tuple[str, Colour]] = ()) -> None:
        """Start a drawing: a caption band above the upscaled image, and with
        ``side_by_side`` the untouched image on the left of the one that is drawn on.

        Args:
            image: (H, W, 3) uint8 RGB.
            caption: (text, RGB colour) lines; long texts are wrapped to the picture width.
        """
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
        self._scale = upscale_factor(*image.shape[:2], self.min_side)
        big = upscale(image.astype(np.uint8), self._scale)
        panels = [big]
        if self.side_by_side:
            gap = np.empty((big.shape[0], max(4, big.shape[1] // 64), 3), np.uint8)
            gap[:] = CAPTION_BG
            panels = [big, gap, big]
        body = np.concatenate(panels, axis=1)
        self._left = body.shape[1] - big.shape[1]
        self._font_px = self.font_px or max(12.0, big.shape[1] / 20)
        font_px, width = self._font_px, body.shape[1]
        lines = [
            (line, colour)
            for text, colour in caption
            for line in wrap_caption(text, width - font_px, font_px)
        ]
        line_px = 1.3 * font_px
        self._top = int(np.ceil(len(lines) * line_px + 0.6 * font_px)) if lines else 0
        band = np.empty((self._top, width, 3), np.uint8)
        band[:] = CAPTION_BG
        self.set_image(np.concatenate([band, body], axis=0))
        if lines:
            positions = np.array(
                [[font_px / 2, 0.3 * font_px + i * line_px] for i in range(len(lines))]
            )
            self.draw_texts(
                [t for t, _ in lines],
                positions,
                font_sizes=font_px * 72 / self.dpi,  # matplotlib sizes in points
                colors=[c for _, c in lines],
                font_families="DejaVu Sans",
            )

    def _to_canvas(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) image x, y -> canvas x, y (upscaled, in the drawn panel)."""
        return np.asarray(xy, np.float64) * self._scale + np.array([self._left, self._top])

    def _canvas_mask(self, mask: np.ndarray) -> np.ndarray:
        big = upscale(mask, self._scale)
        canvas = np.zeros((self._top + big.shape[0], self._left + big.shape[1]), bool)
        canvas[self._top :, self._left :] = big
        return canvas

    def fill_mask(self, mask: np.ndarray, colour: Colour, alpha: float | None = None) -> None:
        """Blend ``colour`` into the (H, W) bool ``mask`` of the image."""
        if mask.any():
            self.draw_binary_masks(
                self._canvas_mask(mask),
                colors=[tuple(colour)],
                alphas=self.alpha if alpha is None else alpha,
            )

    def outline_mask(self, mask: np.ndarray, colour: Colour, style: str = "-") -> None:
        """Outline every region of the (H, W) bool ``mask``."""
        polygons = mask_outlines(self._canvas_mask(mask))
        if polygons:
            self.draw_polygons(
                polygons,
                edge_colors=tuple(colour),
                line_styles=style,
                line_widths=self.line_width,
                alpha=1.0,
            )

    def draw_contour_points(self, points: np.ndarray) -> None:
        """(M, 2) x, y points in decoding order (negative rows are padding)."""
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        pts = self._to_canvas(pts[(pts >= 0).all(axis=1)])
        if len(pts) == 0:
            return
        if len(pts) > 1:
            segments = np.stack([pts[:-1], pts[1:]], axis=1)  # (M - 1, 2 ends, xy)
            self.draw_lines(segments[..., 0], segments[..., 1], colors=(0, 160, 255), line_widths=1)
        ramp = np.linspace(1.0, 0.0, len(pts))  # white -> yellow
        colours = [(255, 255, int(255 * r)) for r in ramp]
        size = (2.2 * self.line_width) ** 2
        self.draw_points(pts, colors=colours, sizes=np.full(len(pts), size))
        self.ax_save.collections[-1].set_zorder(3)  # above the joining lines (zorder 2)

    def draw_box(self, box: np.ndarray, colour: Colour | None = None) -> None:
        """(4,) x1, y1, x2, y2 box in image pixels."""
        xyxy = self._to_canvas(np.asarray(box, np.float64).reshape(2, 2)).reshape(1, 4)
        self.draw_bboxes(
            xyxy,
            edge_colors=tuple(colour or self.box_colour),
            line_widths=self.line_width,
            alpha=1.0,
        )

    def draw_label(self, text: str, xy: Sequence[float], colour: Colour) -> None:
        """A small text with a dark background at image position ``xy``."""
        font_px = 0.8 * self._font_px
        self.draw_texts(
            text,
            self._to_canvas(np.asarray(xy))[None],
            colors="white",
            font_sizes=font_px * 72 / self.dpi,
            vertical_alignments="center",
            bboxes=dict(facecolor=np.asarray(colour) / 255, alpha=0.8, pad=1.5, edgecolor="none"),
        )

    # ------------------------------------------------------------------ whole drawings
    def draw_ris(
        self,
        image: np.ndarray,
        *,
        text: str | None = None,
        pred_mask: np.ndarray | None = None,
        gt_mask: np.ndarray | None = None,
        points: np.ndarray | None = None,
        box: np.ndarray | None = None,
        iou: float | None = None,
        notes: Sequence[str] = (),
    ) -> np.ndarray:
        """Draw one sample and return the picture.

        Args:
            image: (H, W, 3) uint8 RGB.
            text: the referring expression (caption, in quotes).
            pred_mask: (H, W) bool predicted (or pseudo) mask: translucent fill and outline.
            gt_mask: (H, W) bool ground truth: outline.
            points: (M, 2) x, y contour points in decoding order, or None.
            box: (4,) x1, y1, x2, y2 predicted box, or None.
            iou: shown under the text, green when >= 0.5, else red.
            notes: further caption lines (grey).

        Returns:
            (top + H * s, W * s, 3) uint8 RGB picture (s: the upscaling factor).
        """
        caption = [] if text is None else [(f"\u201c{text}\u201d", (255, 255, 255))]
        if iou is not None:
            caption.append((f"IoU {iou:.2f}", GOOD_COLOUR if iou >= 0.5 else BAD_COLOUR))
        caption += [(note, (190, 190, 190)) for note in notes]
        self.set_canvas(image, caption)
        shape = np.asarray(image).shape[:2]
        for name, mask in (("pred_mask", pred_mask), ("gt_mask", gt_mask)):
            if mask is not None and np.asarray(mask).shape != shape:
                raise ValueError(f"{name} has shape {np.asarray(mask).shape}, the image {shape}")
        if pred_mask is not None:
            self.fill_mask(np.asarray(pred_mask, bool), self.pred_colour)
            self.outline_mask(np.asarray(pred_mask, bool), self.pred_colour)
        if gt_mask is not None:
            self.outline_mask(np.asarray(gt_mask, bool), self.gt_colour)
        if box is not None:
            self.draw_box(box)
        if points is not None:
            self.draw_contour_points(points)
        return self.get_image()

    def draw_proposals(
        self,
        image: np.ndarray,
        masks: np.ndarray,
        scores: Sequence[float] | None = None,
        *,
        text: str | None = None,
        gt_mask: np.ndarray | None = None,
        notes: Sequence[str] = (),
    ) -> np.ndarray:
        """Draw several candidate masks of one image (e.g. SemiRES proposals), each in its own
        colour with its index and score, and the GT outline.

        Args:
            image: (H, W, 3) uint8 RGB.
            masks: (N, H, W) bool masks.
            scores: N scores, or None.
            text, gt_mask, notes: as :meth:`draw_ris`.

        Returns:
            The picture, as :meth:`draw_ris`.
        """
        caption = [] if text is None else [(f"\u201c{text}\u201d", (255, 255, 255))]
        self.set_canvas(image, caption + [(note, (190, 190, 190)) for note in notes])
        masks = np.asarray(masks, bool).reshape(-1, *np.asarray(image).shape[:2])
        for i, mask in enumerate(masks):
            self.fill_mask(mask, PALETTE[i % len(PALETTE)], alpha=0.35)
        for i, mask in enumerate(masks):
            self.outline_mask(mask, PALETTE[i % len(PALETTE)])
        if gt_mask is not None:
            self.outline_mask(np.asarray(gt_mask, bool), self.gt_colour, style="--")
        for i, mask in enumerate(masks):
            ys, xs = np.nonzero(mask)
            if len(xs):
                label = f"{i}" if scores is None else f"{i}: {scores[i]:.2f}"
                self.draw_label(label, (xs.min(), ys.min()), PALETTE[i % len(PALETTE)])
        return self.get_image()

    def add_datasample(
        self,
        name: str,
        image: np.ndarray,
        data_sample=None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: float = 0.0,
        out_file: str | None = None,
        step: int = 0,
    ) -> np.ndarray:
        """Draw a predicted :class:`RISDataSample` (mmengine's Visualizer interface).

        The masks, points and box must be in the frame of ``image`` (see
        :func:`risseg.visualization.sample_frame_image`). The IoU is that of the predicted and
        GT masks (plain I / U).

        Args:
            name: image name for the backends and the window title.
            image: (H, W, 3) uint8 RGB.
            data_sample: the sample with ``pred_mask`` / ``gt_mask`` / ``pred_points`` /
                ``pred_bbox`` and metainfo ``text``.
            draw_gt, draw_pred: whether to draw the GT and the prediction.
            show: show the picture in a window for ``wait_time`` seconds (0: until a key).
            out_file: write the picture to this file instead of the backends.
            step: global step for the backends.

        Returns:
            The picture.
        """
        sample = data_sample if data_sample is not None else {}
        pred = _mask2d(sample.get("pred_mask")) if draw_pred else None
        gt = _mask2d(sample.get("gt_mask")) if draw_gt else None
        iou = None
        if pred is not None and gt is not None and pred.shape == gt.shape:
            union = (pred | gt).sum()
            iou = float((pred & gt).sum() / union) if union else 0.0
        drawn = self.draw_ris(
            image,
            text=sample.get("text"),
            pred_mask=pred,
            gt_mask=gt,
            iou=iou,
            points=_numpy(sample.get("pred_points")) if draw_pred else None,
            box=_numpy(sample.get("pred_bbox")) if draw_pred else None,
        )
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_rgb(out_file, drawn)
        else:
            self.add_image(name, drawn, step)
        return drawn


def write_rgb(path: str, image: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 RGB picture, making its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(np.asarray(image, np.uint8)).save(path)


def sample_image(data_sample, inputs: torch.Tensor | None = None) -> np.ndarray:
    """The image of a predicted sample in the frame of its ``pred_mask`` (else ``gt_mask``).

    A mask at the original resolution (``ori_shape``, the default of risseg models) is drawn on
    the image file ``img_path``; one in the padded network input frame (``pad_shape``) or the
    resized content frame (``img_shape``), or a sample without an image file, on the
    pipeline's ``inputs``.

    Args:
        data_sample: a :class:`RISDataSample` (or its dict form) after ``predict``.
        inputs: (3, H, W) uint8 RGB network input of the sample (the pipeline's ``inputs``).

    Returns:
        (H, W, 3) uint8 RGB image.

    Raises:
        ValueError: the mask fits none of those frames (names the sample).
    """
    mask = _mask2d(data_sample.get("pred_mask"))
    if mask is None:
        mask = _mask2d(data_sample.get("gt_mask"))
    ori = data_sample.get("ori_shape")
    img_path = data_sample.get("img_path")
    at_original = mask is None or (ori is not None and tuple(mask.shape) == tuple(ori[:2]))
    if at_original and img_path not in (None, "<array>"):  # "<array>": risseg.apis input
        return read_image(img_path, backend="pillow")
    if inputs is not None:
        img = _numpy(inputs).transpose(1, 2, 0).astype(np.uint8)
        if mask is None or img.shape[:2] == mask.shape:
            return img
        x0, y0 = data_sample.get("img_offset", (0, 0))
        h, w = mask.shape
        if tuple(data_sample.get("img_shape", ())[:2]) == (h, w):
            return img[y0 : y0 + h, x0 : x0 + w]
    ids = {k: data_sample.get(k) for k in ("img_path", "ref_id", "sent_id")}
    raise ValueError(
        f"sample {ids}: its mask of shape {mask.shape} is in neither the original "
        f"frame {ori} nor the network input frame"
    )
