"""The offline loop of instance labelers: every candidate instance of every ref, as RLE lists.

A labeler that sets ``pseudo_instances`` (bool ``(K, H, W)``, e.g.
:class:`~risseg.labelers.text_prompted_masks.TextPromptedMaskLabeler`, S+S+C's "Segment")
is run over the refs of a dataset; the result is an instance file ``{ref_id: [COCO RLE, ...]}``
(original resolution, best first, possibly empty), which
:class:`~risseg.datasets.ssc.LoadPseudoInstances` reads. Sharded and resumable like
:func:`risseg.apis.pseudo_labels.generate_pseudo_masks`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from mmengine.logging import print_log

from risseg.apis.pseudo_labels import label_refs_sharded, merge_parts
from risseg.labelers.base import BasePseudoLabeler
from risseg.utils.masks import mask_to_rle


def image_texts(dataset) -> dict:
    """image_id -> the sentence lists (metainfo ``texts``) of the image's refs, by ref id."""
    refs: dict = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        refs.setdefault(info["image_id"], {}).setdefault(int(info["ref_id"]), info["texts"])
    return {k: [v[r] for r in sorted(v)] for k, v in refs.items()}


def _instances_of_ref(
    dataset, index: int, labeler: BasePseudoLabeler, ref_id: int, by_image: dict | None = None
) -> dict:
    """The JSON-lines record of one ref: ``rles`` (K COCO RLEs) and ``scores``.

    ``by_image`` (from :func:`image_texts`) gives the sample the metainfo ``image_texts``.
    """
    item = dataset[index]
    if by_image is not None:
        image_id = dataset.get_data_info(index)["image_id"]
        item["data_samples"].set_metainfo(dict(image_texts=by_image[image_id]))
    sample = labeler(item["inputs"][None], [item["data_samples"]])[0]
    if "pseudo_instances" not in sample:
        raise TypeError(f"{type(labeler).__name__} sets no `pseudo_instances` (ref {ref_id}).")
    masks = sample.pseudo_instances.data.cpu().numpy().astype(bool)
    h, w = sample.metainfo.get("ori_shape", masks.shape[-2:])[:2]
    if tuple(masks.shape[-2:]) != (h, w):
        raise ValueError(
            f"ref {ref_id} ({sample.metainfo.get('img_path', '')}): instances "
            f"{tuple(masks.shape[-2:])} != original {(h, w)}; load images at original "
            "resolution in pseudo_label_dataset's pipeline."
        )
    scores = [float(s) for s in sample.metainfo.get("pseudo_instance_scores", [1.0] * len(masks))]
    return dict(ref_id=ref_id, rles=[mask_to_rle(m) for m in masks], scores=scores)


def merge_instance_parts(out_file: str | Path, num_shards: int) -> bool:
    """Write ``out_file`` ``{ref_id: [rle, ...]}`` once every shard has finished.

    Returns:
        Whether the file was written (False while a shard is still running).
    """
    return merge_parts(out_file, num_shards, value=lambda rec: rec["rles"])


@torch.no_grad()
def generate_instance_masks(
    dataset,
    labeler: BasePseudoLabeler,
    out_file: str | Path,
    shard_id: int = 0,
    num_shards: int = 1,
    progress: bool = True,
) -> dict[str, int]:
    """Run an instance labeler over every ref of a dataset; write the instance file.

    Each shard appends one JSON line per ref (``ref_id``, ``rles``, ``scores``) to
    ``<out_file>.parts/shard<R>-of-<N>.jsonl`` and skips the refs already there (a torn last
    line of a killed run is dropped), so re-running resumes. When every shard has finished,
    ``out_file`` = ``{ref_id: [COCO RLE, ...]}`` is written. A labeler with ``image_query``
    gets the sentence lists of all refs of each image (metainfo ``image_texts``).

    Args:
        dataset: items ``{'inputs': (3, H, W) uint8, 'data_samples'}`` at original resolution;
            ``get_data_info(i)`` has ``ref_id``.
        labeler: a labeler setting ``pseudo_instances``.
        out_file: the instance JSON.
        shard_id: this shard, in [0, num_shards); it labels every ``num_shards``-th ref id.
        num_shards: number of shards.
        progress: show a progress bar.

    Returns:
        Counts ``{'done', 'skipped', 'instances' (of done), 'total', 'merged'}``.
    """
    if labeler.output != "pseudo_instances":
        raise TypeError(
            f"{type(labeler).__name__} writes {labeler.output!r}, not instance masks "
            "(output = 'pseudo_instances')."
        )
    by_image = image_texts(dataset) if getattr(labeler, "image_query", False) else None
    counts, written = label_refs_sharded(
        dataset,
        out_file,
        lambda ref_id, index: _instances_of_ref(dataset, index, labeler, ref_id, by_image),
        shard_id=shard_id,
        num_shards=num_shards,
        desc="instances",
        progress=progress,
    )
    counts["instances"] = sum(len(rec["rles"]) for rec in written)
    counts["merged"] = int(merge_instance_parts(out_file, num_shards))
    print_log(f"instance masks: {json.dumps(counts)} -> {out_file}", "current")
    return counts
