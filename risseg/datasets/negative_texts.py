"""A dataset wrapper that gives every training ref negative sentences (TRIS calibration)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from mmengine.dataset import BaseDataset

from risseg.registry import DATASETS


@DATASETS.register_module()
class NegativeTextDataset:
    """Adds ``neg_texts`` (K sentences that do not describe the ref) to each item's data info.

    TRIS's rule: K sentences drawn with replacement from the *other refs of the same image*
    (a random ref, then a random sentence of it); when the image has no other ref, sentences
    of random refs of the dataset, never one of the ref's own sentences. Drawn anew at each
    access with NumPy's global generator (seeded per worker by mmengine). Pack them with
    ``PackRISInputs(meta_keys=DEFAULT_META_KEYS + ('neg_texts',))``.

    Args:
        dataset: a REFER-format dataset config or instance in training mode (one entry per ref
            with all its ``texts``).
        num_negatives: K (TRIS: 3).
        lazy_init: defer loading the wrapped dataset.
    """

    def __init__(
        self, dataset: dict | BaseDataset, num_negatives: int = 3, lazy_init: bool = False
    ) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if num_negatives < 1:
            raise ValueError(
                f"NegativeTextDataset: num_negatives must be >= 1, got {num_negatives}"
            )
        self.num_negatives = num_negatives
        self._same_image: list[list[int]] = []
        self._texts: list[list[str]] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo."""
        return self.dataset.metainfo

    @property
    def pipeline(self):
        """The wrapped dataset's pipeline."""
        return self.dataset.pipeline

    def full_init(self) -> None:
        """Load the wrapped dataset and index the other refs of each item's image."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        by_image: dict[int, list[int]] = defaultdict(list)
        infos = [self.dataset.get_data_info(i) for i in range(len(self.dataset))]
        for i, info in enumerate(infos):
            if not info.get("texts"):
                raise ValueError(
                    f"NegativeTextDataset: item {i} (ref_id={info.get('ref_id')}, "
                    f"{info.get('img_path')}) has no 'texts'; wrap a training-mode dataset."
                )
            by_image[int(info["image_id"])].append(i)
        self._texts = [list(info["texts"]) for info in infos]
        self._same_image = [
            [j for j in by_image[int(info["image_id"])] if infos[j]["ref_id"] != info["ref_id"]]
            for info in infos
        ]
        self._fully_initialized = True

    def __len__(self) -> int:
        return len(self.dataset)

    def negatives(self, idx: int, rng=np.random) -> list[str]:
        """K negative sentences for item ``idx`` (see the class docstring)."""
        own = set(self._texts[idx])
        others = self._same_image[idx]
        out: list[str] = []
        for _ in range(100 * self.num_negatives):
            if len(out) == self.num_negatives:
                break
            j = others[rng.randint(len(others))] if others else rng.randint(len(self))
            texts = self._texts[j]
            text = texts[rng.randint(len(texts))]
            if text not in own:
                out.append(text)
        if len(out) < self.num_negatives:
            raise ValueError(
                f"NegativeTextDataset: found no sentence unlike those of item {idx}; "
                "the dataset needs refs with different sentences."
            )
        return out

    def get_data_info(self, idx: int) -> dict:
        """The wrapped item's data info plus ``neg_texts``."""
        info = self.dataset.get_data_info(idx)
        info["neg_texts"] = self.negatives(idx)
        return info

    def __getitem__(self, idx: int) -> dict:
        return self.dataset.pipeline(self.get_data_info(idx))
