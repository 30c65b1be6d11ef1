"""Loading transforms: image, sentence choice and REFER annotations (docs/data_flow.md)."""

from __future__ import annotations

import logging
import random

from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from risseg.registry import TRANSFORMS
from risseg.utils.image_io import TruncatedImageError, read_image
from risseg.utils.masks import bbox_xywh_to_xyxy, box_mask, ellipse_mask, segmentation_to_mask


def _where(results: dict) -> str:
    return f"{results.get('img_path', '<no img_path>')} (ref_id={results.get('ref_id')})"


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Read ``results['img_path']`` as an RGB uint8 image and set the geometry metainfo.

    Adds ``img`` (H, W, 3) uint8 RGB, ``ori_shape`` = ``img_shape`` = ``pad_shape`` = (H, W),
    ``img_offset`` (0, 0), ``scale_factor`` (1.0, 1.0) and ``flip`` False. A missing,
    undecodable or truncated file (a JPEG without its end marker, a PNG without ``IEND``; see
    :mod:`risseg.utils.image_io`) raises an error naming it.

    Args:
        backend: ``cv2`` or ``pillow``.
        check_size: raise when the image size differs from the entry's ``height``/``width``
            (the annotation would not fit the image).
        on_bad_image: ``error`` (default) raises on a missing, corrupt or truncated image;
            ``skip`` logs a warning naming the file with the running count and returns None,
            so a training dataset draws another sample (mmengine refuses None at test time).
    """

    def __init__(self, backend: str = "cv2", check_size: bool = True, on_bad_image: str = "error"):
        if backend not in ("cv2", "pillow"):
            raise ValueError(f"backend must be 'cv2' or 'pillow', got {backend!r}.")
        if on_bad_image not in ("error", "skip"):
            raise ValueError(f"on_bad_image must be 'error' or 'skip', got {on_bad_image!r}.")
        self.backend = backend
        self.check_size = check_size
        self.on_bad_image = on_bad_image
        self.num_skipped = 0  # per process (each dataloader worker counts its own)

    def transform(self, results: dict) -> dict | None:
        try:
            img = read_image(results["img_path"], self.backend)
        except (FileNotFoundError, ValueError) as err:  # missing, truncated, undecodable
            message = f"{err} (ref_id={results.get('ref_id')})"
            if self.on_bad_image == "error":
                keep = isinstance(err, (FileNotFoundError, TruncatedImageError))
                raise (type(err) if keep else ValueError)(message) from err
            self.num_skipped += 1
            print_log(
                f"LoadImage: skipping a bad image ({self.num_skipped} in this process so "
                f"far): {message}",
                "current",
                logging.WARNING,
            )
            return None
        h, w = img.shape[:2]
        expected = (results.get("height"), results.get("width"))
        if self.check_size and None not in expected and expected != (h, w):
            raise ValueError(
                f"Image is {h}x{w} but its annotation says "
                f"{expected[0]}x{expected[1]}: {_where(results)}"
            )
        results.update(
            img=img,
            ori_shape=(h, w),
            img_shape=(h, w),
            pad_shape=(h, w),
            img_offset=(0, 0),
            scale_factor=(1.0, 1.0),
            flip=False,
        )
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(backend={self.backend!r}, "
            f"on_bad_image={self.on_bad_image!r})"
        )


@TRANSFORMS.register_module()
class SelectSentence(BaseTransform):
    """Pick the sentence of this sample: a random one of ``texts`` in training.

    Sets ``results['text']`` (str) and ``results['sent_id']`` (int). Test entries carry
    exactly one sentence. Uses Python's ``random`` (seeded per worker by mmengine).

    Args:
        random_choice: pick randomly (training); when False, take the first sentence.
    """

    def __init__(self, random_choice: bool = True):
        self.random_choice = random_choice

    def transform(self, results: dict) -> dict:
        texts, sent_ids = results["texts"], results["sent_ids"]
        if not texts:
            raise ValueError(f"No sentence for ref_id={results.get('ref_id')}.")
        i = random.randrange(len(texts)) if self.random_choice else 0
        text = texts[i]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                f"Empty expression (sent_id={sent_ids[i]}) for ref_id={results.get('ref_id')}."
            )
        results["text"] = text.strip()
        results["sent_id"] = int(sent_ids[i])
        return results


@TRANSFORMS.register_module()
class LoadReferAnnotations(BaseTransform):
    """Decode the referred object's mask and box, as allowed by the sample's supervision.

    Adds ``gt_mask`` (H, W) bool (supervision ``mask`` only), ``gt_bbox`` (4,) float32 xyxy
    (supervision ``mask`` or ``box``) and ``gt_iscrowd`` (bool: more than one polygon, the
    SeqTR protocol).

    Args:
        skip_empty: return None for a zero-area mask (the dataset then draws another sample
            in training) instead of raising.
    """

    def __init__(self, skip_empty: bool = False):
        self.skip_empty = skip_empty

    def transform(self, results: dict) -> dict | None:
        supervision = results.get("supervision", "mask")
        segm = results.get("segmentation")
        results["gt_iscrowd"] = isinstance(segm, list) and len(segm) > 1
        if supervision in ("mask", "box"):
            results["gt_bbox"] = bbox_xywh_to_xyxy(results["bbox"])
        if supervision != "mask":
            return results
        if segm is None:
            raise ValueError(
                f"Supervision is 'mask' but there is no segmentation: {_where(results)}"
            )
        h, w = results.get("ori_shape", (results["height"], results["width"]))
        try:
            mask = segmentation_to_mask(segm, h, w)
        except (ValueError, TypeError) as err:
            raise ValueError(f"Malformed segmentation ({err}): {_where(results)}") from err
        if not mask.any():
            if self.skip_empty:
                return None
            raise ValueError(f"Zero-area mask (ann_id={results.get('ann_id')}): {_where(results)}")
        results["gt_mask"] = mask
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(skip_empty={self.skip_empty})"


@TRANSFORMS.register_module()
class BoxPriorMask(BaseTransform):
    """Give box-supervised samples a pseudo mask drawn from their GT box (a shape prior).

    Place after :class:`LoadReferAnnotations`. For a sample with ``supervision == 'box'`` it
    adds ``gt_mask`` (H, W) bool at the original resolution, the ellipse inscribed in
    ``gt_bbox`` (``shape='ellipse'``) or the filled box (``shape='box'``), and relabels the
    sample ``supervision='mask'`` with ``box_prior=True``. Other samples pass unchanged.
    A baseline for box-supervised training (not part of Partial-RES): it assumes compact
    objects, so the ellipse is a fair guess on SynthRef and a coarse one on COCO images.

    Args:
        shape: 'ellipse' or 'box'.
    """

    def __init__(self, shape: str = "ellipse") -> None:
        if shape not in ("ellipse", "box"):
            raise ValueError(f"BoxPriorMask: shape must be 'ellipse' or 'box', got {shape!r}.")
        self.shape = shape

    def transform(self, results: dict) -> dict:
        if results.get("supervision") != "box":
            return results
        if "gt_bbox" not in results:
            raise KeyError(
                f"BoxPriorMask needs gt_bbox (run LoadReferAnnotations first): {_where(results)}"
            )
        h, w = results.get("ori_shape", (results["height"], results["width"]))
        draw = ellipse_mask if self.shape == "ellipse" else box_mask
        mask = draw(results["gt_bbox"], h, w)
        if not mask.any():
            raise ValueError(
                f"BoxPriorMask: the box {results['gt_bbox'].tolist()} lies outside "
                f"the {w}x{h} image: {_where(results)}"
            )
        results.update(gt_mask=mask, supervision="mask", box_prior=True)
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(shape={self.shape!r})"
