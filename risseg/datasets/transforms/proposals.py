"""Attach stored class-agnostic proposals (e.g. SAM masks) to packed samples."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from risseg.registry import TRANSFORMS
from risseg.utils.proposal_io import read_proposals


@TRANSFORMS.register_module()
class LoadProposals(BaseTransform):
    """Load an image's proposals from ``proposal_dir/<image_id>.json`` into the input frame.

    Placed *after* ``PackRISInputs``: it reads the packed sample's metainfo (``image_id``,
    ``ori_shape``, ``img_shape``, ``flip``, ``img_offset``, ``pad_shape``), resizes the masks
    (stored at original resolution) to ``img_shape`` with nearest interpolation, flips them
    when the image was flipped, places them at ``img_offset`` in a ``pad_shape`` canvas, and
    sets ``data_samples.proposals`` (PixelData bool (N, H, W)). A missing file is an error
    naming the image, unless ``allow_missing`` (then N = 0 and the sample falls back to PWA).

    Args:
        proposal_dir: folder written by ``tools/generate_pseudo_labels.py``.
        max_proposals: keep at most this many (file order: best first).
        allow_missing: tolerate images without a proposal file.
    """

    def __init__(
        self, proposal_dir: str, max_proposals: int | None = None, allow_missing: bool = False
    ) -> None:
        self.proposal_dir = proposal_dir
        self.max_proposals = max_proposals
        self.allow_missing = allow_missing

    def transform(self, results: dict) -> dict:
        """Set ``results['data_samples'].proposals``."""
        sample = results["data_samples"]
        meta = sample.metainfo
        ori_h, ori_w = meta["ori_shape"][:2]
        try:
            masks, _ = read_proposals(self.proposal_dir, meta["image_id"])
        except FileNotFoundError:
            if not self.allow_missing:
                raise
            masks = np.zeros((0, ori_h, ori_w), dtype=bool)
        if masks.shape[1:] != (ori_h, ori_w):
            raise ValueError(
                f"Proposals of image {meta['image_id']} are {masks.shape[1:]}, "
                f"the image is {(ori_h, ori_w)}."
            )
        masks = torch.from_numpy(masks[: self.max_proposals])
        img_h, img_w = meta.get("img_shape", (ori_h, ori_w))[:2]
        if (img_h, img_w) != (ori_h, ori_w) and len(masks):
            masks = F.interpolate(masks[None].float(), size=(img_h, img_w), mode="nearest")[0] > 0.5
        if meta.get("flip", False):
            masks = masks.flip(-1)
        pad_h, pad_w = meta.get("pad_shape", (img_h, img_w))[:2]
        x0, y0 = meta.get("img_offset", (0, 0))
        canvas = torch.zeros((len(masks), pad_h, pad_w), dtype=torch.bool)
        canvas[:, y0 : y0 + img_h, x0 : x0 + img_w] = masks.reshape(len(masks), img_h, img_w)
        sample.proposals = PixelData(data=canvas)
        return results
