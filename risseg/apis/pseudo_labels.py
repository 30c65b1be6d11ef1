"""The offline pseudo-label loop: dataset -> labeler -> one file per image, sharded, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from mmengine.logging import print_log
from tqdm import tqdm

from risseg.labelers.base import BasePseudoLabeler
from risseg.utils.proposal_io import encode_masks, proposal_path, write_json_atomic


def _shard_images(dataset, shard_id: int, num_shards: int) -> dict[int, int]:
    """image_id -> first dataset index, for the images of this shard (sorted ids, strided)."""
    first: dict[int, int] = {}
    for i in range(len(dataset)):
        first.setdefault(int(dataset.get_data_info(i)["image_id"]), i)
    ids = sorted(first)[shard_id::num_shards]
    return {k: first[k] for k in ids}


def write_index(out_dir: str | Path) -> Path:
    """(Re)write ``index.json``: the sorted image ids whose files exist in ``out_dir``."""
    out_dir = Path(out_dir)
    ids = sorted(int(p.stem) for p in out_dir.glob("*.json") if p.stem.isdigit())
    path = out_dir / "index.json"
    write_json_atomic(path, dict(image_ids=ids, num_images=len(ids)))
    return path


@torch.no_grad()
def generate_proposals(
    dataset,
    labeler: BasePseudoLabeler,
    out_dir: str | Path,
    shard_id: int = 0,
    num_shards: int = 1,
    progress: bool = True,
) -> dict[str, int]:
    """Run a proposal labeler over the images of a dataset and store one file per image.

    Images whose file already exists are skipped, so a killed run resumes where it stopped;
    files are written atomically. With ``num_shards`` > 1, shard ``shard_id`` handles every
    ``num_shards``-th image id (e.g. one shard per rank).

    Args:
        dataset: a dataset whose items are ``{'inputs': (3, H, W) uint8, 'data_samples'}`` at
            original resolution and whose ``get_data_info(i)`` has ``image_id``.
        labeler: a ``BaseProposalLabeler``.
        out_dir: output folder (created).
        shard_id: this shard, in [0, num_shards).
        num_shards: number of shards.
        progress: show a progress bar.

    Returns:
        Counts ``{'done': newly written, 'skipped': already present, 'total': this shard}``.
    """
    if labeler.output != "proposals":
        raise TypeError(f"{type(labeler).__name__} does not produce proposals.")
    if not 0 <= shard_id < num_shards:
        raise ValueError(f"shard_id {shard_id} not in [0, {num_shards}).")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = _shard_images(dataset, shard_id, num_shards)
    counts = dict(done=0, skipped=0, total=len(todo))
    bar = tqdm(todo.items(), desc=f"proposals shard {shard_id}/{num_shards}", disable=not progress)
    for image_id, index in bar:
        path = proposal_path(out_dir, image_id)
        if path.exists():
            counts["skipped"] += 1
            continue
        item = dataset[index]
        sample = labeler(item["inputs"][None], [item["data_samples"]])[0]
        masks = sample.proposals.data.cpu().numpy().astype(bool)
        h, w = sample.metainfo.get("ori_shape", masks.shape[-2:])[:2]
        if masks.shape[-2:] != (h, w):
            raise ValueError(
                f"Image {image_id}: proposals {masks.shape[-2:]} != original {(h, w)}."
            )
        rec = dict(
            image_id=image_id,
            img_path=sample.metainfo.get("img_path", ""),
            height=int(h),
            width=int(w),
            labeler=type(labeler).__name__,
            masks=encode_masks(masks),
            scores=[float(s) for s in sample.metainfo.get("proposal_scores", [])],
        )
        write_json_atomic(path, rec)
        counts["done"] += 1
    write_index(out_dir)
    print_log(f"proposals: {json.dumps(counts)} -> {out_dir}", "current")
    return counts
