"""Geometric transforms: resize, letterbox, pad and horizontal flip with left/right word swap.

Every transform here keeps the frame metainfo of ``docs/data_flow.md`` exact, so that
``risseg.models.utils.logits_to_original`` / ``boxes_to_original`` map predictions back:
``ori_shape`` (H, W), ``img_shape`` (H, W of the resized content), ``pad_shape`` (H, W of the
padded input), ``img_offset`` (x, y of the content inside the padded input), ``scale_factor``
(w_scale, h_scale from the original image to the content) and ``flip``.

Sizes are given as (W, H), as in mmcv. Images are RGB uint8 (H, W, 3); masks bool (H, W);
boxes float32 (4,) xyxy; points float32 (N, 2) xy, all in the current frame.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from risseg.registry import TRANSFORMS

MASK_KEYS = ("gt_mask",)
BOX_KEYS = ("gt_bbox",)
POINT_KEYS = ("gt_points",)


def init_frame_meta(results: dict) -> dict:
    """Fill in missing frame metainfo for an image that has not been transformed yet."""
    h, w = results["img"].shape[:2]
    results.setdefault("ori_shape", (h, w))
    results.setdefault("img_shape", (h, w))
    results.setdefault("pad_shape", results["img_shape"])
    results.setdefault("img_offset", (0, 0))
    results.setdefault("scale_factor", (1.0, 1.0))
    results.setdefault("flip", False)
    return results


def _check_unpadded(results: dict, name: str) -> None:
    """Resizing transforms must see the bare content (no padding or letterbox yet)."""
    padded = tuple(results["pad_shape"][:2]) != tuple(results["img_shape"][:2])
    if padded or tuple(results["img_offset"]) != (0, 0):
        raise RuntimeError(
            f"{name} must run before Letterbox/Pad (got img_shape={results['img_shape']}, "
            f"pad_shape={results['pad_shape']}, img_offset={results['img_offset']})."
        )


def _present(results: dict, keys: Sequence[str]) -> list[str]:
    return [k for k in keys if results.get(k) is not None]


def _resize_mask(mask: np.ndarray, new_w: int, new_h: int, interpolation: str) -> np.ndarray:
    """Resize a bool mask. 'nearest' samples pixel centres (cv2's INTER_NEAREST_EXACT, as PIL);
    'nearest_cv2' is cv2's plain INTER_NEAREST (the SeqTR release's GT resize), which shifts
    masks by up to one pixel; other modes threshold at 0.5."""
    if interpolation in ("nearest", "nearest_cv2"):
        flag = cv2.INTER_NEAREST_EXACT if interpolation == "nearest" else cv2.INTER_NEAREST
        return cv2.resize(mask.astype(np.uint8), (new_w, new_h), interpolation=flag) > 0
    out = mmcv.imresize(mask.astype(np.float32), (new_w, new_h), interpolation=interpolation)
    return out >= 0.5


def _resize_content(
    results: dict,
    new_w: int,
    new_h: int,
    interpolation: str,
    mask_interpolation: str,
    backend: str,
) -> None:
    """Resize image, masks, boxes and points to (new_h, new_w) and update the metainfo."""
    h, w = results["img"].shape[:2]
    sx, sy = new_w / w, new_h / h
    results["img"] = mmcv.imresize(
        results["img"], (new_w, new_h), interpolation=interpolation, backend=backend
    )
    for key in _present(results, MASK_KEYS):
        results[key] = _resize_mask(results[key], new_w, new_h, mask_interpolation)
    for key in _present(results, BOX_KEYS):
        box = np.asarray(results[key], dtype=np.float32) * np.array([sx, sy, sx, sy], np.float32)
        box[0::2] = box[0::2].clip(0, new_w)
        box[1::2] = box[1::2].clip(0, new_h)
        results[key] = box
    for key in _present(results, POINT_KEYS):
        results[key] = np.asarray(results[key], dtype=np.float32) * np.array([sx, sy], np.float32)
    w_scale, h_scale = results["scale_factor"]
    results["scale_factor"] = (w_scale * sx, h_scale * sy)
    results["img_shape"] = (new_h, new_w)
    results["pad_shape"] = (new_h, new_w)


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize to a fixed size (LAVT 480x480, TRIS 320x320) or fit inside it keeping the ratio.

    Args:
        scale: (W, H) target size.
        keep_ratio: False resizes to exactly (W, H); True scales by ``min(W / w, H / h)`` so the
            image fits inside (W, H) (SeqTR's test-time resize; pad afterwards).
        interpolation: image interpolation ('bilinear', 'bicubic', 'nearest', 'area', ...).
        mask_interpolation: 'nearest' (default; pixel-centre nearest, equal to PIL's NEAREST),
            'nearest_cv2' (cv2's INTER_NEAREST, the SeqTR release protocol's GT resize) or
            'bilinear' (then thresholded at 0.5).
        backend: image resizing library, 'cv2' (default) or 'pillow'. 'pillow' is
            ``PIL.Image.resize`` of the uint8 image, i.e. exactly what torchvision's
            ``resize`` does to a PIL image (LAVT, SemiRES and TRIS releases); PIL's bilinear
            widens its kernel when shrinking (antialiasing), cv2's does not.
    """

    def __init__(
        self,
        scale: tuple[int, int],
        keep_ratio: bool = False,
        interpolation: str = "bilinear",
        mask_interpolation: str = "nearest",
        backend: str = "cv2",
    ) -> None:
        if backend not in ("cv2", "pillow"):
            raise ValueError(f"Resize: backend must be 'cv2' or 'pillow', got {backend!r}.")
        self.scale = tuple(scale)
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation
        self.mask_interpolation = mask_interpolation
        self.backend = backend

    def transform(self, results: dict) -> dict:
        """Resize ``img`` and every mask/box/point key; updates the frame metainfo."""
        init_frame_meta(results)
        _check_unpadded(results, type(self).__name__)
        h, w = results["img"].shape[:2]
        if self.keep_ratio:
            ratio = min(self.scale[0] / w, self.scale[1] / h)
            new_w, new_h = int(w * ratio + 0.5), int(h * ratio + 0.5)
        else:
            new_w, new_h = self.scale
        _resize_content(
            results, new_w, new_h, self.interpolation, self.mask_interpolation, self.backend
        )
        return results

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(scale={self.scale}, keep_ratio={self.keep_ratio}, "
            f"backend={self.backend!r})"
        )


@TRANSFORMS.register_module()
class Letterbox(BaseTransform):
    """Fit the image inside a square (or W x H) canvas keeping its ratio, centred (CRIS style).

    The content is scaled by ``min(S / h, S / w)`` and placed at ``img_offset`` =
    ((S_w - w') // 2, (S_h - h') // 2); the border is ``pad_value``.

    Args:
        size: S, or (W, H) of the canvas (CRIS / Pseudo-RIS: 416).
        pad_value: border colour, a scalar or per-channel RGB in 0-255 (CRIS uses the CLIP
            mean x 255 = (122.77, 116.75, 104.09)).
        interpolation: image interpolation (CRIS: 'bicubic').
        mask_interpolation: 'nearest' or 'bilinear' (then thresholded at 0.5).
        backend: 'cv2' or 'pillow'.
    """

    def __init__(
        self,
        size: int | tuple[int, int] = 416,
        pad_value: float | Sequence[float] = 0,
        interpolation: str = "bicubic",
        mask_interpolation: str = "nearest",
        backend: str = "cv2",
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.pad_value = pad_value
        self.interpolation = interpolation
        self.mask_interpolation = mask_interpolation
        self.backend = backend

    def transform(self, results: dict) -> dict:
        """Resize into the canvas and centre; updates the frame metainfo incl. ``img_offset``."""
        init_frame_meta(results)
        _check_unpadded(results, type(self).__name__)
        canvas_w, canvas_h = self.size
        h, w = results["img"].shape[:2]
        ratio = min(canvas_w / w, canvas_h / h)
        new_w = min(canvas_w, max(1, int(w * ratio + 0.5)))
        new_h = min(canvas_h, max(1, int(h * ratio + 0.5)))
        _resize_content(
            results, new_w, new_h, self.interpolation, self.mask_interpolation, self.backend
        )
        x0, y0 = (canvas_w - new_w) // 2, (canvas_h - new_h) // 2
        padding = (x0, y0, canvas_w - new_w - x0, canvas_h - new_h - y0)  # left, top, right, bottom
        results["img"] = _pad_image(results["img"], padding, self.pad_value)
        for key in _present(results, MASK_KEYS):
            results[key] = np.pad(
                results[key], ((padding[1], padding[3]), (padding[0], padding[2]))
            )
        for key in _present(results, BOX_KEYS):
            results[key] = results[key] + np.array([x0, y0, x0, y0], np.float32)
        for key in _present(results, POINT_KEYS):
            results[key] = results[key] + np.array([x0, y0], np.float32)
        results["pad_shape"] = (canvas_h, canvas_w)
        results["img_offset"] = (x0, y0)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, pad_value={self.pad_value})"


def _pad_image(img: np.ndarray, padding: tuple[int, int, int, int], value) -> np.ndarray:
    """Pad (left, top, right, bottom) with a scalar or per-channel value."""
    if isinstance(value, (int, float)):
        value = [value] * img.shape[2]
    return mmcv.impad(img, padding=padding, pad_val=tuple(float(v) for v in value))


@TRANSFORMS.register_module()
class Pad(BaseTransform):
    """Pad at the bottom/right to a fixed size or to a multiple of ``size_divisor``.

    The content keeps its ``img_offset``; only ``pad_shape`` grows. Works after Resize or
    Letterbox (SeqTR: keep-ratio resize into 640 then pad to a multiple of 32).

    Args:
        size: (W, H) to pad to (must not be smaller than the current frame).
        size_divisor: pad each side up to a multiple of this (applied after ``size``).
        pad_value: image padding value, scalar or per-channel RGB. Masks pad with False.
    """

    def __init__(
        self,
        size: tuple[int, int] | None = None,
        size_divisor: int | None = None,
        pad_value: float | Sequence[float] = 0,
    ) -> None:
        if size is None and size_divisor is None:
            raise ValueError("Pad: give size or size_divisor.")
        self.size = None if size is None else tuple(size)
        self.size_divisor = size_divisor
        self.pad_value = pad_value

    def transform(self, results: dict) -> dict:
        """Pad ``img`` and masks; updates ``pad_shape``."""
        init_frame_meta(results)
        h, w = results["img"].shape[:2]
        target_w, target_h = (w, h) if self.size is None else self.size
        if target_w < w or target_h < h:
            raise ValueError(f"Pad: size {self.size} (W, H) is smaller than the input {(w, h)}.")
        if self.size_divisor:
            d = self.size_divisor
            target_w, target_h = -(-target_w // d) * d, -(-target_h // d) * d
        padding = (0, 0, target_w - w, target_h - h)
        results["img"] = _pad_image(results["img"], padding, self.pad_value)
        for key in _present(results, MASK_KEYS):
            results[key] = np.pad(results[key], ((0, padding[3]), (0, padding[2])))
        results["pad_shape"] = (target_h, target_w)
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, size_divisor={self.size_divisor})"


DEFAULT_SWAP_WORDS = (
    ("left", "right"),
    ("leftmost", "rightmost"),
    ("lefthand", "righthand"),
    ("leftside", "rightside"),
)


def _match_case(word: str, like: str) -> str:
    """Return ``word`` written in the case style of ``like``."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Horizontal flip that also swaps spatial words (left <-> right) in the expression.

    The words are swapped in ``results['text']`` and in every sentence of ``results['texts']``.

    Only the content region (``img_offset``, ``img_shape``) is mirrored, so a flip after
    Letterbox or Pad stays exact. ``flip`` is toggled in the metainfo, which
    ``logits_to_original`` undoes. Must run before ``TokenizeText``.

    Args:
        prob: flip probability.
        swap_words: pairs of words exchanged on a flip; matched as whole words, case-insensitive,
            keeping the case of the original ("Left" -> "Right").
    """

    def __init__(
        self, prob: float = 0.5, swap_words: Sequence[Sequence[str]] = DEFAULT_SWAP_WORDS
    ) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"RandomFlip: prob must be in [0, 1], got {prob}.")
        self.prob = prob
        self.swap = {}
        for a, b in swap_words:
            self.swap[a.lower()], self.swap[b.lower()] = b.lower(), a.lower()
        words = sorted(self.swap, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.I)

    def swap_text(self, text: str) -> str:
        """Exchange every spatial word of ``text`` for its mirror word, in one pass."""
        if not self.swap:
            return text
        return self._pattern.sub(
            lambda m: _match_case(self.swap[m.group(0).lower()], m.group(0)), text
        )

    def transform(self, results: dict) -> dict:
        """Flip with probability ``prob``; returns the (possibly) flipped results."""
        if "text_ids" in results:
            raise RuntimeError(
                "RandomFlip must run before TokenizeText: the text was already tokenised, so "
                "the left/right swap would not reach the token ids."
            )
        init_frame_meta(results)
        if np.random.rand() >= self.prob:
            return results
        x0, y0 = results["img_offset"]
        h, w = results["img_shape"][:2]
        rows, cols = slice(y0, y0 + h), slice(x0, x0 + w)
        results["img"] = results["img"].copy()
        results["img"][rows, cols] = results["img"][rows, cols][:, ::-1]
        for key in _present(results, MASK_KEYS):
            results[key] = results[key].copy()
            results[key][rows, cols] = results[key][rows, cols][:, ::-1]
        for key in _present(results, BOX_KEYS):
            box = np.asarray(results[key], dtype=np.float32)
            results[key] = np.array(
                [2 * x0 + w - box[2], box[1], 2 * x0 + w - box[0], box[3]], np.float32
            )
        for key in _present(results, POINT_KEYS):
            pts = np.asarray(results[key], dtype=np.float32).copy()
            pts[..., 0] = 2 * x0 + w - pts[..., 0]
            results[key] = pts
        if results.get("text") is not None:
            results["text"] = self.swap_text(results["text"])
        if results.get("texts"):  # every sentence of the ref, for TokenizeText(all_sentences)
            results["texts"] = [
                self.swap_text(t) if isinstance(t, str) else t for t in results["texts"]
            ]
        results["flip"] = not results["flip"]
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prob={self.prob}, swap={sorted(self.swap)})"
