"""S+S+C data: candidate instance masks per ref, and per-image batching.

* :class:`LoadPseudoInstances` attaches a ref's candidate instance masks (an instance file
  ``{ref_id: [COCO RLE, ...]}`` of ``tools/generate_pseudo_labels.py``, or a pseudo annotation
  file ``{ref_id: COCO RLE}`` of one selected mask per ref) to the packed sample as
  ``pseudo_instances`` (bool ``(K, H, W)`` in the input frame).
* :class:`ImageGroupedSampler` yields the refs of an image one after another (images in random
  order), so that a batch holds the refs of whole images, as S+S+C's unfolded image batches:
  the Correct losses constrain refs of one image to different instances.
"""

from __future__ import annotations

import json
import math
import os.path as osp
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.structures import PixelData
from torch.utils.data import Sampler

from risseg.registry import DATA_SAMPLERS, TRANSFORMS
from risseg.utils.masks import segmentation_to_mask

_CACHE: dict[str, dict[int, list]] = {}


def read_instance_file(path: str) -> dict[int, list]:
    """``ref_id -> list of segmentations`` of an instance or pseudo annotation file (cached).

    A value that is one segmentation (a dict, the pseudo annotation format) becomes a
    one-element list.
    """
    if path not in _CACHE:
        if not osp.isfile(path):
            raise FileNotFoundError(f"Instance file not found: {path}")
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: expected a JSON object {{ref_id: [rle, ...]}}.")
        out = {}
        for key, value in spec.items():
            if not key.lstrip("-").isdigit():
                raise ValueError(f"{path}: key {key!r} is not a ref id.")
            out[int(key)] = [value] if isinstance(value, dict) else list(value)
        _CACHE[path] = out
    return _CACHE[path]


@TRANSFORMS.register_module()
class LoadPseudoInstances(BaseTransform):
    """Set ``data_samples.pseudo_instances`` from an instance file (after ``PackRISInputs``).

    The masks (stored at original resolution) are resized to ``img_shape`` (nearest), flipped
    when the image was, and placed at ``img_offset`` in a ``pad_shape`` canvas. A ref missing
    from the file is an error naming it, unless ``allow_missing`` (then K = 0).

    Args:
        ann_file: the instance file (``{ref_id: [rle, ...]}``) or a pseudo annotation file.
        allow_missing: tolerate refs without an entry.
        drop_trivial: drop all-background and all-foreground masks (S+S+C skips such targets).
    """

    def __init__(self, ann_file: str, allow_missing: bool = False, drop_trivial: bool = True):
        self.ann_file = ann_file
        self.allow_missing = allow_missing
        self.drop_trivial = drop_trivial

    def transform(self, results: dict) -> dict:
        """Set ``results['data_samples'].pseudo_instances`` (bool (K, H, W))."""
        sample = results["data_samples"]
        meta = sample.metainfo
        ori_h, ori_w = meta["ori_shape"][:2]
        segs = read_instance_file(self.ann_file).get(int(meta["ref_id"]))
        if segs is None and not self.allow_missing:
            raise KeyError(f"{self.ann_file}: no entry for ref_id {meta['ref_id']}.")
        masks = [segmentation_to_mask(s, ori_h, ori_w).astype(bool) for s in segs or []]
        if self.drop_trivial:
            masks = [m for m in masks if m.any() and not m.all()]
        masks = torch.from_numpy(np.stack(masks) if masks else np.zeros((0, ori_h, ori_w), bool))
        img_h, img_w = meta.get("img_shape", (ori_h, ori_w))[:2]
        if (img_h, img_w) != (ori_h, ori_w) and len(masks):
            masks = F.interpolate(masks[None].float(), size=(img_h, img_w), mode="nearest")[0] > 0.5
        if meta.get("flip", False):
            masks = masks.flip(-1)
        pad_h, pad_w = meta.get("pad_shape", (img_h, img_w))[:2]
        x0, y0 = meta.get("img_offset", (0, 0))
        canvas = torch.zeros((len(masks), pad_h, pad_w), dtype=torch.bool)
        canvas[:, y0 : y0 + img_h, x0 : x0 + img_w] = masks.reshape(len(masks), img_h, img_w)
        sample.pseudo_instances = PixelData(data=canvas)
        return results


@DATA_SAMPLERS.register_module()
class ImageGroupedSampler(Sampler):
    """Dataset indices grouped by image: the refs of one image follow each other.

    Each epoch shuffles the images (``shuffle``), deals them to the ranks in turn and yields
    each image's indices together; every rank yields the same number of indices (the shortest
    ranks repeat their first indices), so DDP steps stay in step. A DataLoader batch of B items
    then holds the refs of consecutive images (an image may straddle two batches, as the
    release's FIFO of unfolded items); the number of steps per epoch is ``len(dataloader)``.

    Args:
        dataset: a dataset whose ``get_data_info(i)`` has ``image_id``.
        shuffle: shuffle the image order every epoch.
        seed: random seed (shared across ranks).
    """

    def __init__(self, dataset, shuffle: bool = True, seed: int | None = None) -> None:
        groups: dict[int, list[int]] = {}
        for i in range(len(dataset)):
            groups.setdefault(int(dataset.get_data_info(i)["image_id"]), []).append(i)
        if not groups:
            raise ValueError("ImageGroupedSampler: the dataset is empty.")
        self.groups = [groups[k] for k in sorted(groups)]
        self.rank, self.world_size = get_dist_info()
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.num_samples = math.ceil(len(dataset) / self.world_size)

    def __iter__(self) -> Iterator[int]:
        order = list(range(len(self.groups)))
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(len(self.groups), generator=g).tolist()
        mine = [i for k in order[self.rank :: self.world_size] for i in self.groups[k]]
        mine = mine[: self.num_samples]
        while len(mine) < self.num_samples:  # pad: every rank takes the same number of steps
            mine += mine[: self.num_samples - len(mine)] or [self.groups[0][0]]
        return iter(mine)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle for ``epoch`` (called by the Runner)."""
        self.epoch = epoch
