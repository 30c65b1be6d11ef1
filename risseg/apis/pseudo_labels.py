"""The offline pseudo-label loops, sharded and resumable.

Proposal labelers write one file per image (:func:`generate_proposals`); mask labelers write a
pseudo annotation file ``{ref_id: COCO RLE}`` that REFER-format datasets read with
``pseudo_ann_file=`` (:func:`generate_pseudo_masks`). :func:`generate_pseudo_labels` picks the
loop from the labeler's ``output``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from mmengine.logging import print_log
from tqdm import tqdm

from risseg.labelers.base import BasePseudoLabeler, is_kept
from risseg.utils.masks import mask_to_rle
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


def _shard_refs(dataset, shard_id: int, num_shards: int) -> dict[int, int]:
    """ref_id -> first dataset index, for the refs of this shard (sorted ids, strided)."""
    if not 0 <= shard_id < num_shards:
        raise ValueError(f"shard_id {shard_id} not in [0, {num_shards}).")
    first: dict[int, int] = {}
    for i in range(len(dataset)):
        first.setdefault(int(dataset.get_data_info(i)["ref_id"]), i)
    ids = sorted(first)[shard_id::num_shards]
    return {k: first[k] for k in ids}


def _read_part(path: Path) -> dict[int, dict]:
    """ref_id -> record of a shard's JSON-lines file, rewritten without a torn last line."""
    if not path.exists():
        return {}
    done, lines = {}, []
    text = path.read_text()
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:  # a run killed mid-write
            break
        done[int(rec["ref_id"])] = rec
        lines.append(line)
    good = "".join(f"{line}\n" for line in lines)
    if good != text:
        path.write_text(good)
    return done


def merge_parts(
    out_file: str | Path, num_shards: int, value: Callable[[dict], Any] | None = None
) -> bool:
    """Write ``out_file`` ``{ref_id: value(record)}`` once every shard has finished.

    Args:
        out_file: the merged JSON.
        num_shards: number of shards whose ``.done`` markers must exist.
        value: a record's entry in the file, None to leave the ref out; default: the kept
            mask's ``rle`` (pseudo masks).

    Returns:
        Whether the file was written (False while a shard is still running).
    """
    if value is None:
        value = lambda rec: rec["rle"] if rec["keep"] else None  # noqa: E731
    out_file = Path(out_file)
    parts = out_file.with_name(out_file.name + ".parts")
    names = [f"shard{r}-of-{num_shards}" for r in range(num_shards)]
    if not all((parts / f"{n}.done").exists() for n in names):
        return False
    merged: dict[int, Any] = {}
    for name in names:
        for ref_id, rec in _read_part(parts / f"{name}.jsonl").items():
            if (entry := value(rec)) is not None:
                merged[ref_id] = entry
    write_json_atomic(out_file, {str(k): merged[k] for k in sorted(merged)})
    return True


def label_refs_sharded(
    dataset,
    out_file: str | Path,
    label_ref: Callable[[int, int], dict],
    *,
    shard_id: int,
    num_shards: int,
    desc: str,
    progress: bool,
) -> tuple[dict[str, int], list[dict]]:
    """The sharded, resumable per-ref loop behind the pseudo-mask and instance files.

    Each shard appends ``label_ref(ref_id, index)`` (a JSON record with ``ref_id``) as one line
    to ``<out_file>.parts/shard<R>-of-<N>.jsonl``, skips the refs already there (a torn last
    line of a killed run is dropped) and marks itself done.

    Returns:
        Counts ``{'done', 'skipped', 'total'}`` and the records written by this call.
    """
    out_file = Path(out_file)
    parts = out_file.with_name(out_file.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    name = f"shard{shard_id}-of-{num_shards}"
    todo = _shard_refs(dataset, shard_id, num_shards)
    done = _read_part(parts / f"{name}.jsonl")
    counts = dict(done=0, skipped=0, total=len(todo))
    written = []
    with open(parts / f"{name}.jsonl", "a") as f:
        for ref_id, index in tqdm(todo.items(), desc=f"{desc} {name}", disable=not progress):
            if ref_id in done:
                counts["skipped"] += 1
                continue
            rec = label_ref(ref_id, index)
            f.write(json.dumps(rec) + "\n")
            f.flush()
            counts["done"] += 1
            written.append(rec)
    (parts / f"{name}.done").touch()
    return counts, written


def _label_ref(dataset, index: int, labeler: BasePseudoLabeler, ref_id: int) -> dict:
    """The JSON-lines record of one ref: ``keep``, ``score`` and the kept mask's ``rle``."""
    item = dataset[index]
    sample = labeler(item["inputs"][None], [item["data_samples"]])[0]
    mask = sample.pseudo_mask.data.reshape(sample.pseudo_mask.data.shape[-2:])
    h, w = sample.metainfo.get("ori_shape", mask.shape)[:2]
    if tuple(mask.shape) != (h, w):
        raise ValueError(
            f"ref {ref_id} ({sample.metainfo.get('img_path', '')}): pseudo mask "
            f"{tuple(mask.shape)} != original {(h, w)}; load images at original "
            "resolution in pseudo_label_dataset's pipeline."
        )
    keep = is_kept(sample)
    rle = mask_to_rle(mask.cpu().numpy().astype(bool)) if keep else None
    return dict(
        ref_id=ref_id, keep=keep, score=float(sample.metainfo.get("pseudo_score", 1.0)), rle=rle
    )


@torch.no_grad()
def generate_pseudo_masks(
    dataset,
    labeler: BasePseudoLabeler,
    out_file: str | Path,
    shard_id: int = 0,
    num_shards: int = 1,
    progress: bool = True,
) -> dict[str, int]:
    """Label every ref of a dataset with a mask labeler; write a pseudo annotation file.

    Each shard appends one JSON line per ref (``ref_id``, ``keep``, ``score``, ``rle``) to
    ``<out_file>.parts/shard<R>-of-<N>.jsonl`` and skips the refs already there, so a killed
    run resumes where it stopped. When every shard has finished, ``out_file`` is written: the
    kept masks (``pseudo_keep``, default True) as ``{ref_id: COCO RLE}`` at the original
    resolution, the format of ``ReferDataset(pseudo_ann_file=...)``.

    Args:
        dataset: a dataset whose items are ``{'inputs': (3, H, W) uint8, 'data_samples'}`` at
            original resolution and whose ``get_data_info(i)`` has ``ref_id``.
        labeler: a mask labeler (``output == 'pseudo_mask'``).
        out_file: the pseudo annotation JSON.
        shard_id: this shard, in [0, num_shards); shard ``r`` labels every ``num_shards``-th
            ref id.
        num_shards: number of shards.
        progress: show a progress bar.

    Returns:
        Counts ``{'done', 'skipped' (already labelled), 'kept' (of done), 'total' (this
        shard), 'merged' (1 when out_file was written)}``.
    """
    if labeler.output != "pseudo_mask":
        raise TypeError(f"{type(labeler).__name__} writes {labeler.output!r}, not pseudo masks.")
    counts, written = label_refs_sharded(
        dataset,
        out_file,
        lambda ref_id, index: _label_ref(dataset, index, labeler, ref_id),
        shard_id=shard_id,
        num_shards=num_shards,
        desc="pseudo masks",
        progress=progress,
    )
    counts["kept"] = sum(int(rec["keep"]) for rec in written)
    counts["merged"] = int(merge_parts(out_file, num_shards))
    print_log(f"pseudo masks: {json.dumps(counts)} -> {out_file}", "current")
    return counts


def generate_pseudo_labels(
    dataset,
    labeler: BasePseudoLabeler,
    out: str | Path,
    shard_id: int = 0,
    num_shards: int = 1,
    progress: bool = True,
) -> dict[str, int]:
    """Proposals (``out`` a folder), pseudo masks or instance masks (``out`` a JSON file), by
    ``labeler.output``.

    See :func:`generate_proposals`, :func:`generate_pseudo_masks` and
    :func:`~risseg.apis.instance_masks.generate_instance_masks`.
    """
    if labeler.output == "pseudo_instances":
        from risseg.apis.instance_masks import generate_instance_masks  # imports this module

        run = generate_instance_masks
    else:
        run = generate_proposals if labeler.output == "proposals" else generate_pseudo_masks
    return run(dataset, labeler, out, shard_id, num_shards, progress)
