"""A seeded synthetic RIS dataset made on the fly, already packed like ``PackRISInputs``."""

from __future__ import annotations

import zlib

import numpy as np
import torch
from mmengine.structures import PixelData
from torch.utils.data import Dataset

from risseg.registry import DATASETS
from risseg.structures import RISDataSample

COLOURS = {
    "red": (220, 30, 30),
    "green": (30, 200, 30),
    "blue": (30, 60, 220),
    "yellow": (230, 220, 30),
    "white": (245, 245, 245),
    "purple": (150, 40, 180),
}


def hash_tokenize(text: str, max_len: int, vocab_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Map each word to a stable id in [1, vocab_size) with crc32; 0 pads.

    Args:
        text: the expression.
        max_len: L; longer expressions are truncated.
        vocab_size: size of the hashed vocabulary.

    Returns:
        ids (L,) int64 and mask (L,) bool.
    """
    words = text.lower().split()[:max_len]
    ids = np.zeros(max_len, dtype=np.int64)
    for i, word in enumerate(words):
        ids[i] = zlib.crc32(word.encode()) % (vocab_size - 1) + 1
    return ids, ids > 0


@DATASETS.register_module()
class SyntheticRISDataset(Dataset):
    """Images with a few coloured squares; the text names the colour of the target square.

    Sample ``i`` is generated from ``seed + i``, so it is identical in every process and worker.
    Each item is exactly what ``PackRISInputs`` returns.

    Args:
        num_samples: dataset length.
        image_size: (H, W) of every image.
        num_objects: squares per image (distinct colours); >= 1.
        max_len: token length L of ``text_ids``.
        seed: base seed.
        test_mode: unused; accepted because the Runner passes it for val/test sets.
    """

    METAINFO = dict(dataset_name="synthetic", colours=tuple(COLOURS))

    def __init__(
        self,
        num_samples: int = 16,
        image_size: tuple[int, int] = (32, 32),
        num_objects: int = 2,
        max_len: int = 8,
        seed: int = 0,
        test_mode: bool = False,
        **kwargs,
    ) -> None:
        if not 1 <= num_objects <= len(COLOURS):
            raise ValueError(f"num_objects must be in [1, {len(COLOURS)}], got {num_objects}")
        self.num_samples = num_samples
        self.image_size = tuple(image_size)
        self.num_objects = num_objects
        self.max_len = max_len
        self.seed = seed
        self.test_mode = test_mode
        self.metainfo = dict(self.METAINFO)

    def __len__(self) -> int:
        return self.num_samples

    def _draw(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[int], str]:
        """Draw an image (H, W, 3) uint8, the target mask (H, W) bool, its xyxy box and text."""
        h, w = self.image_size
        img = rng.integers(0, 60, size=(h, w, 3), dtype=np.uint8)
        names = rng.choice(list(COLOURS), size=self.num_objects, replace=False)
        target = int(rng.integers(self.num_objects))
        side = max(2, min(h, w) // 4)
        mask, box = np.zeros((h, w), dtype=bool), [0, 0, 0, 0]
        for k, name in enumerate(names):
            y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
            img[y0 : y0 + side, x0 : x0 + side] = COLOURS[name]
            obj = np.zeros((h, w), dtype=bool)
            obj[y0 : y0 + side, x0 : x0 + side] = True
            if k == target:
                mask, box = obj, [x0, y0, x0 + side, y0 + side]
            else:
                mask &= ~obj  # a later square may cover the target
        return img, mask, box, f"the {names[target]} square"

    def __getitem__(self, idx: int) -> dict:
        """Return ``{'inputs': (3, H, W) uint8, 'data_samples': RISDataSample}``."""
        if not 0 <= idx < self.num_samples:
            raise IndexError(f"index {idx} out of range for {self.num_samples} samples")
        img, mask, box, text = self._draw(np.random.default_rng(self.seed + idx))
        ids, text_mask = hash_tokenize(text, self.max_len)
        h, w = self.image_size
        sample = RISDataSample(
            metainfo=dict(
                text=text,
                ori_shape=(h, w),
                img_shape=(h, w),
                pad_shape=(h, w),
                img_offset=(0, 0),
                scale_factor=(1.0, 1.0),
                flip=False,
                ref_id=idx,
                sent_id=idx,
                image_id=idx,
                supervision="mask",
            )
        )
        sample.gt_mask = PixelData(data=torch.from_numpy(mask)[None])
        sample.gt_bbox = torch.tensor(box, dtype=torch.float32)
        sample.text_ids = torch.from_numpy(ids)
        sample.text_mask = torch.from_numpy(text_mask)
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))  # (H,W,3)->(3,H,W)
        return dict(inputs=inputs, data_samples=sample)
