"""Attach IRNet's confident-region labels of a ref, from two stored pseudo masks."""

from __future__ import annotations

import json

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log
from mmengine.structures import PixelData

from risseg.registry import TRANSFORMS
from risseg.utils.masks import segmentation_to_mask

IGNORE = 255


def dense_crf(image: np.ndarray, mask: np.ndarray, iterations: int = 10) -> np.ndarray | None:
    """Refine a binary mask with a fully connected CRF (pydensecrf), IRNet's settings.

    Unary from the mask with ground-truth probability 0.7; Gaussian pairwise term (sxy 3,
    compat 3) and bilateral term (sxy 50, srgb 5, compat 10); ``iterations`` mean-field steps.

    Args:
        image: (H, W, 3) uint8 RGB.
        mask: (H, W) bool.

    Returns:
        The refined (H, W) bool mask, or None when pydensecrf is not installed.
    """
    try:
        import pydensecrf.densecrf as dcrf
        from pydensecrf.utils import unary_from_labels
    except ImportError:
        return None
    h, w = mask.shape
    crf = dcrf.DenseCRF2D(w, h, 2)
    crf.setUnaryEnergy(unary_from_labels(mask.astype(np.int32), 2, gt_prob=0.7, zero_unsure=False))
    crf.addPairwiseGaussian(sxy=3, compat=3)
    crf.addPairwiseBilateral(sxy=50, srgb=5, rgbim=np.ascontiguousarray(image), compat=10)
    q = np.array(crf.inference(iterations)).reshape(2, h, w)
    return q.argmax(0).astype(bool)


@TRANSFORMS.register_module()
class LoadIRLabels(BaseTransform):
    """Set ``ir_label`` (PixelData uint8 (1, H, W): 1 foreground, 0 background, 255 unsure)
    from two pseudo annotation files ``{ref_id: COCO RLE}`` at the original resolution.

    ``fg_file`` holds the confident foreground (e.g. the PRMS map > 0.30), ``outer_file`` the
    region that is not confident background (the map > 0.10): foreground = fg, background =
    outside outer, the rest unsure (IRNet's IR labels, as TRIS makes them). Both come from
    ``tools/generate_pseudo_labels.py`` with ``pseudo_labeler.mask_thr`` set (docs/methods/
    tris.md). Placed *after* ``PackRISInputs``: the labels are resized (nearest) to
    ``img_shape``, flipped when the image was, and placed at ``img_offset`` in a ``pad_shape``
    canvas whose padding is unsure. A ref missing from ``fg_file`` is all unsure where
    ``outer_file`` covers it (an empty foreground); a ref missing from ``outer_file`` is an
    error naming it.

    With ``crf=True`` both masks are first refined by a dense CRF on the input image
    (:func:`dense_crf`, as IRNet); this needs ``pydensecrf``, which has no wheel for the
    supported platforms and must be compiled: without it a warning is logged once and the
    thresholds are used alone.

    Args:
        fg_file: pseudo annotation JSON of the confident foreground.
        outer_file: pseudo annotation JSON of the not-confidently-background region.
        crf: refine both masks with a dense CRF (optional dependency ``pydensecrf``).
    """

    def __init__(self, fg_file: str, outer_file: str, crf: bool = False) -> None:
        self.fg_file, self.outer_file = fg_file, outer_file
        self._fg = self._read(fg_file)
        self._outer = self._read(outer_file)
        self.crf = crf
        if crf and dense_crf(np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2), bool)) is None:
            print_log(
                "LoadIRLabels: crf=True but pydensecrf is not installed (no wheel; it needs "
                "compiling): the dense CRF is skipped, IR labels come from the thresholds alone.",
                "current",
                level=30,  # logging.WARNING
            )
            self.crf = False

    @staticmethod
    def _read(path: str) -> dict[int, dict]:
        try:
            with open(path, encoding="utf-8") as f:
                return {int(k): v for k, v in json.load(f).items()}
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f"LoadIRLabels: pseudo annotation file {path} not found"
            ) from err

    def labels(self, ref_id: int, h: int, w: int, image: np.ndarray | None = None) -> np.ndarray:
        """(h, w) uint8 IR labels of one ref at the original resolution (``image``: (h, w, 3)
        uint8, for the CRF)."""
        if ref_id not in self._outer:
            raise KeyError(f"LoadIRLabels: ref {ref_id} is not in {self.outer_file}")
        outer = segmentation_to_mask(self._outer[ref_id], h, w).astype(bool)
        fg = np.zeros_like(outer)
        if ref_id in self._fg:
            fg = segmentation_to_mask(self._fg[ref_id], h, w).astype(bool)
        if self.crf and image is not None:
            fg, outer = dense_crf(image, fg), dense_crf(image, outer)
        labels = np.full((h, w), IGNORE, dtype=np.uint8)
        labels[~outer] = 0
        labels[fg] = 1
        return labels

    def transform(self, results: dict) -> dict:
        """Set ``results['data_samples'].ir_label``."""
        sample = results["data_samples"]
        meta = sample.metainfo
        ori_h, ori_w = meta["ori_shape"][:2]
        img_h, img_w = meta.get("img_shape", (ori_h, ori_w))[:2]
        x0, y0 = meta.get("img_offset", (0, 0))
        image = None
        if self.crf:  # the input image back in the original frame
            image = results["inputs"][:, y0 : y0 + img_h, x0 : x0 + img_w].float()
            image = image.flip(-1) if meta.get("flip", False) else image
            image = F.interpolate(image[None], size=(ori_h, ori_w), mode="bilinear")[0]
            image = image.round().clamp(0, 255).byte().permute(1, 2, 0).numpy()  # (H, W, 3)
        labels = torch.from_numpy(self.labels(int(meta["ref_id"]), ori_h, ori_w, image))
        if (img_h, img_w) != (ori_h, ori_w):
            labels = F.interpolate(labels[None, None].float(), size=(img_h, img_w), mode="nearest")
            labels = labels[0, 0].to(torch.uint8)
        if meta.get("flip", False):
            labels = labels.flip(-1)
        pad_h, pad_w = meta.get("pad_shape", (img_h, img_w))[:2]
        canvas = torch.full((1, pad_h, pad_w), IGNORE, dtype=torch.uint8)
        canvas[0, y0 : y0 + img_h, x0 : x0 + img_w] = labels
        sample.ir_label = PixelData(data=canvas)
        return results
