"""SynthRefDataset: the built-in synthetic benchmark, generated on first use."""

from __future__ import annotations

import json
import os.path as osp

from mmengine.dist import barrier, get_rank
from mmengine.logging import MMLogger

from risseg.datasets.refer import ReferDataset
from risseg.registry import DATASETS

from .generator import generate_synthref


def ensure_synthref(data_root: str, preset: str = "default", seed: int = 0) -> None:
    """Generate SynthRef into ``data_root`` unless a matching copy is already there.

    Rank 0 generates (into a temporary folder renamed at the end); other ranks wait at a
    barrier. An existing folder made with another preset or seed is an error, never reused.

    Args:
        data_root: the dataset folder.
        preset: generator preset (``tiny`` or ``default``).
        seed: generator seed.
    """
    if not osp.isdir(data_root) and get_rank() == 0:
        logger = MMLogger.get_current_instance()
        logger.info(f"SynthRef: generating preset {preset!r} (seed {seed}) into {data_root}")
        try:
            meta = generate_synthref(data_root, preset, seed)
        except FileExistsError:  # another job finished first
            meta = None
        except OSError:
            if not osp.isdir(data_root):
                raise
            meta = None  # the rename lost a race with another job
        if meta is not None:
            logger.info(
                f"SynthRef: {meta['num_images']} images, {meta['num_refs']} refs in "
                f"{meta['seconds']:.1f} s"
            )
    barrier()
    meta_path = osp.join(data_root, "synthref_meta.json")
    if not osp.isfile(meta_path):
        raise FileNotFoundError(
            f"{data_root} exists but has no synthref_meta.json: not a "
            "complete SynthRef folder; remove it to regenerate."
        )
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    if (meta.get("preset"), meta.get("seed")) != (preset, seed):
        raise ValueError(
            f"{data_root} holds SynthRef preset={meta.get('preset')!r} "
            f"seed={meta.get('seed')}, but preset={preset!r} seed={seed} was asked "
            "for; use another data_root or remove the folder."
        )


@DATASETS.register_module()
class SynthRefDataset(ReferDataset):
    """SynthRef (docs/datasets.md) read through :class:`ReferDataset`.

    Args:
        data_root: SynthRef folder; generated there on first use when missing.
        preset: generator preset (``tiny`` for tests, ``default`` for the benchmark).
        seed: generator seed.
        split: ``train``, ``val``, ``test`` (= testA + testB), ``testA`` or ``testB``.
        **kwargs: any :class:`ReferDataset` argument (``supervision_file``, ``text_field``,
            ``pipeline``, ``test_mode``, ...).
    """

    METAINFO: dict = dict(dataset_name="synthref")

    def __init__(
        self,
        data_root: str = "data/synthref",
        preset: str = "default",
        seed: int = 0,
        split: str = "train",
        **kwargs,
    ):
        self.preset = preset
        self.seed = seed
        ensure_synthref(data_root, preset, seed)
        kwargs.setdefault("img_prefix", "images")
        super().__init__(data_root=data_root, dataset="", split_by="synth", split=split, **kwargs)
