"""Co-iterating a labeled and an unlabeled dataset for semi-supervised training."""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from risseg.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class SemiSupervisedSampler(Sampler):
    """Batches of ``num_labeled`` labeled then ``batch_size - num_labeled`` unlabeled indices.

    The dataset is an mmengine ``ConcatDataset`` of ``[labeled, unlabeled]``. Each source is
    an endless stream of fresh random permutations, so the small labeled set simply repeats.
    One epoch is ``epoch_length`` batches per rank; by default enough for the unlabeled set
    to be seen once across all ranks: ceil(#unlabeled / (num_unlabeled_per_batch * world)).
    (The SemiRES release instead ran max(#labeled, #unlabeled) iterations per rank.)

    The DataLoader's ``batch_size`` must equal ``batch_size`` here.

    Args:
        dataset: ``ConcatDataset([labeled, unlabeled])``.
        batch_size: samples per batch and rank.
        num_labeled: labeled samples per batch (the rest are unlabeled).
        epoch_length: batches per epoch and rank (None: see above).
        seed: random seed (shared across ranks; each rank draws its own stream).
    """

    def __init__(
        self,
        dataset: ConcatDataset,
        batch_size: int,
        num_labeled: int,
        epoch_length: int | None = None,
        seed: int | None = None,
    ) -> None:
        if not isinstance(dataset, ConcatDataset) or len(dataset.datasets) != 2:
            raise TypeError("SemiSupervisedSampler needs ConcatDataset([labeled, unlabeled]).")
        if not 0 < num_labeled < batch_size:
            raise ValueError(f"num_labeled must be in (0, {batch_size}), got {num_labeled}.")
        self.sizes = [len(d) for d in dataset.datasets]
        if min(self.sizes) == 0:
            raise ValueError(f"Empty source in semi-supervised data: sizes {self.sizes}.")
        self.rank, self.world_size = get_dist_info()
        self.batch_size, self.num_labeled = batch_size, num_labeled
        num_unlabeled = batch_size - num_labeled
        if epoch_length is None:
            epoch_length = math.ceil(self.sizes[1] / (num_unlabeled * self.world_size))
        self.epoch_length = epoch_length
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0

    def _stream(self, source: int, g: torch.Generator) -> Iterator[int]:
        offset = sum(self.sizes[:source])
        while True:
            yield from (
                offset + i for i in torch.randperm(self.sizes[source], generator=g).tolist()
            )

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed + 1000003 * self.epoch + 7919 * self.rank)
        labeled, unlabeled = self._stream(0, g), self._stream(1, g)
        for _ in range(self.epoch_length):
            yield from (next(labeled) for _ in range(self.num_labeled))
            yield from (next(unlabeled) for _ in range(self.batch_size - self.num_labeled))

    def __len__(self) -> int:
        return self.epoch_length * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle for ``epoch`` (called by the Runner)."""
        self.epoch = epoch
