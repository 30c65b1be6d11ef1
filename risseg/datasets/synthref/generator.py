"""Writing a SynthRef dataset in the REFER on-disk format.

Output folder::

    images/synthref_<image_id>.png   instances.json   refs(synth).p   attributes.json
    vocab.json   supervision_{1,5,10}pct.json   semi_{1,5,10}pct.json   synthref_meta.json

Images are split train/val/test 80/10/10 by a seeded permutation; test refs whose target is
curved (circle, ring, ellipse) form testA, the others testB. Every image has its own random
generator derived from (seed, index), so the output does not depend on the worker count.

Generation is resumable: images are drawn in chunks into ``<out>.partial``, and each finished
chunk's annotations are stored there as JSON (reading them back cannot run code), so running the
same command again after an interruption redraws only the unfinished chunk (and any stored chunk
that is corrupt). The folder is renamed to ``<out>`` once complete.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing as mp
import os
import os.path as osp
import pickle
import shutil
import time
import warnings

import cv2
import numpy as np
from tqdm import tqdm

from risseg.datasets.supervision_subsets import make_mask_subset, make_semi_split
from risseg.utils.masks import bbox_xyxy_to_xywh, mask_to_bbox, mask_to_rle

from .expressions import RELATION_WORDS, relation_holds, render, tokenize, unique_programs
from .scene import make_scene
from .shapes import CURVED_SHAPES, SHAPES

FORMAT_VERSION = 1
PRESETS: dict[str, dict] = {
    "tiny": dict(num_images=40, side=128),  # unit tests: about a second
    "default": dict(num_images=3000, side=128),  # the benchmark
    # RefCOCO's scale (15.2k train images, ~42k train refs against RefCOCO's 17.0k / 42.4k):
    # its 1% split holds ~420 labeled refs like RefCOCO's, where `default` holds 65
    "large": dict(num_images=19000, side=128),
}
SUBSET_RATIOS = (0.01, 0.05, 0.10)
CHUNK_SIZE = 500  # images per resumable unit of work
MAX_REFS_PER_IMAGE = 3


def _choose_programs(programs: list[list[dict]], rng: np.random.Generator) -> list[list[dict]]:
    """2-3 programs: first the simplest one that names the shape, then random others."""
    n = int(rng.integers(2, 4))
    cost = [
        len(p) + sum(c["type"] == "relation" for c in p) + 2 * all(c["type"] != "shape" for c in p)
        for p in programs
    ]
    best = [i for i, c in enumerate(cost) if c == min(cost)]
    first = best[rng.integers(len(best))]
    others = [i for i in rng.permutation(len(programs)).tolist() if i != first]
    return [programs[i] for i in [first] + others[: n - 1]]


def _object_record(o: dict, objects: list[dict], ann_ids: list[int], side: int) -> dict:
    rel = {
        r: [
            ann_ids[j]
            for j, a in enumerate(objects)
            if a is not o and relation_holds(r, o, a, side)
        ]
        for r in RELATION_WORDS
    }
    return dict(
        shape=o["shape"],
        colour=o["colour"],
        size=o["size"],
        center=o["center"],
        radius=o["radius"],
        occluded=o["occluded"],
        relations=rel,
    )


def _make_image(job: tuple) -> dict:
    """Draw image ``index``, write its PNG and return its annotations (no global ids yet)."""
    index, seed, side, split, img_dir = job
    cv2.setNumThreads(1)
    rng = np.random.default_rng([seed, index])
    img, objects = make_scene(rng, side)
    image_id = index + 1
    file_name = f"synthref_{image_id:06d}.png"
    cv2.imwrite(
        osp.join(img_dir, file_name),
        cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
        # Huffman-only PNG: the noise defeats LZ77 matching, so this is both the
        # fastest encoding and (here) the smallest file
        [
            cv2.IMWRITE_PNG_COMPRESSION,
            1,
            cv2.IMWRITE_PNG_STRATEGY,
            cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY,
        ],
    )
    anns = []
    for o in objects:
        segm = mask_to_rle(o["mask"]) if o["occluded"] else o["polygons"]
        box = bbox_xyxy_to_xywh(mask_to_bbox(o["mask"])).tolist()
        anns.append(
            dict(
                image_id=image_id,
                category_id=SHAPES.index(o["shape"]) + 1,
                segmentation=segm,
                bbox=box,
                area=int(o["mask"].sum()),
                iscrowd=0,
            )
        )
    refs = []
    describable = []  # up to MAX_REFS_PER_IMAGE (object, programs), in object order
    for k in rng.permutation(len(objects)).tolist():
        if len(describable) == MAX_REFS_PER_IMAGE:
            break
        if programs := unique_programs(objects, k, side):
            describable.append((k, programs))
    for k, programs in sorted(describable, key=lambda kp: kp[0]):
        sentences = []
        for program in _choose_programs(programs, rng):
            raw = render(program, rng)
            for _ in range(5):  # keep sentences of one ref distinct
                if raw not in [s["raw"] for s in sentences]:
                    break
                raw = render(program, rng)
            sentences.append(dict(raw=raw, program=program))
        target_split = split
        if split == "test":
            target_split = "testA" if objects[k]["shape"] in CURVED_SHAPES else "testB"
        refs.append(dict(obj=k, split=target_split, sentences=sentences))
    for o in objects:  # masks and polygons are in anns now; keep the IPC payload small
        del o["mask"], o["polygons"]
    return dict(
        image=dict(id=image_id, file_name=file_name, height=side, width=side),
        anns=anns,
        refs=refs,
        objects=objects,
    )


def _assign_ids(results: list[dict], side: int) -> dict:
    """Give global ann/ref/sent ids in image order and build every output structure."""
    images, anns, refs, attr_images, attr_refs = [], [], [], [], []
    ann_id = ref_id = sent_id = 0
    for res in results:
        image_id = res["image"]["id"]
        images.append(res["image"])
        ids = list(range(ann_id + 1, ann_id + 1 + len(res["anns"])))
        ann_id += len(ids)
        for a, i in zip(res["anns"], ids, strict=True):
            anns.append(dict(id=i, **a))
        attr_images.append(
            dict(
                image_id=image_id,
                objects=[
                    dict(ann_id=i, **_object_record(o, res["objects"], ids, side))
                    for o, i in zip(res["objects"], ids, strict=True)
                ],
            )
        )
        for r in res["refs"]:
            ref_id += 1
            sents, progs = [], []
            for s in r["sentences"]:
                sent_id += 1
                tokens = tokenize(s["raw"])
                sents.append(
                    dict(raw=s["raw"], sent=" ".join(tokens), tokens=tokens, sent_id=sent_id)
                )
                progs.append(dict(sent_id=sent_id, program=s["program"]))
            a = anns[ids[r["obj"]] - 1]
            refs.append(
                dict(
                    ref_id=ref_id,
                    ann_id=a["id"],
                    image_id=image_id,
                    category_id=a["category_id"],
                    split=r["split"],
                    sent_ids=[s["sent_id"] for s in sents],
                    sentences=sents,
                    file_name=f"synthref_{image_id:06d}_{a['id']}.png",
                )
            )
            attr_refs.append(
                dict(
                    ref_id=ref_id,
                    image_id=image_id,
                    ann_id=a["id"],
                    split=r["split"],
                    sentences=progs,
                )
            )
    cats = [
        dict(id=i + 1, name=s, supercategory="curved" if s in CURVED_SHAPES else "straight")
        for i, s in enumerate(SHAPES)
    ]
    return dict(
        instances=dict(
            info=dict(description="SynthRef"),
            licenses=[],
            images=images,
            annotations=anns,
            categories=cats,
        ),
        refs=refs,
        attributes=dict(side=side, images=attr_images, refs=attr_refs),
    )


def _write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, separators=(",", ":"))


def _write_outputs(out: str, data: dict, preset: str, seed: int, side: int) -> None:
    refs = data["refs"]
    _write_json(osp.join(out, "instances.json"), data["instances"])
    with open(osp.join(out, "refs(synth).p"), "wb") as f:
        # A JSON round trip gives fresh objects, so pickle's memo (and the bytes) do not
        # depend on which process built which string.
        pickle.dump(json.loads(json.dumps(refs)), f, protocol=4)
    _write_json(osp.join(out, "attributes.json"), data["attributes"])
    vocab = sorted({t for r in refs for s in r["sentences"] for t in s["tokens"]})
    _write_json(osp.join(out, "vocab.json"), vocab)
    train = {r["ref_id"]: r["image_id"] for r in refs if r["split"] == "train"}
    for ratio in SUBSET_RATIOS:
        pct = round(ratio * 100)
        _write_json(
            osp.join(out, f"supervision_{pct}pct.json"), make_mask_subset(list(train), ratio, seed)
        )
        _write_json(osp.join(out, f"semi_{pct}pct.json"), make_semi_split(train, ratio, seed))
    counts = {s: sum(r["split"] == s for r in refs) for s in ("train", "val", "testA", "testB")}
    _write_json(
        osp.join(out, "synthref_meta.json"),
        dict(
            format_version=FORMAT_VERSION,
            preset=preset,
            seed=seed,
            side=side,
            num_images=len(data["instances"]["images"]),
            num_refs=len(refs),
            split_refs=counts,
            num_sentences=sum(len(r["sentences"]) for r in refs),
        ),
    )


def _prepare_partial(partial: str, signature: dict) -> None:
    """Keep ``partial`` if an earlier run with the same ``signature`` left it, else start it."""
    sig_path = osp.join(partial, "partial.json")
    if osp.isfile(sig_path):
        with open(sig_path, encoding="utf-8") as f:
            if json.load(f) == signature:
                return
    shutil.rmtree(partial, ignore_errors=True)  # another preset/seed, or no record: redo
    os.makedirs(osp.join(partial, "images"))
    os.makedirs(osp.join(partial, "chunks"))
    _write_json(sig_path, signature)


def _load_chunk(path: str, chunk_jobs: list[tuple]) -> list[dict] | None:
    """A stored chunk's annotations, or None (with a warning) if it is unreadable or does not fit.

    Chunks are JSON (plain data: reading one can never run code). A chunk that is not valid
    JSON, does not hold one record per image of ``chunk_jobs`` in order, or whose PNGs are
    missing is reported and then redrawn by the caller.
    """
    try:
        with open(path, encoding="utf-8") as f:
            chunk = json.load(f)
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError included
        warnings.warn(
            f"SynthRef: {path} is unreadable ({err}); redrawing its images.", stacklevel=3
        )
        return None
    keys = {"image", "anns", "refs", "objects"}
    fits = (
        isinstance(chunk, list)
        and len(chunk) == len(chunk_jobs)
        and all(
            isinstance(res, dict)
            and set(res) == keys
            and isinstance(res["image"], dict)
            and res["image"].get("id") == job[0] + 1
            and osp.isfile(osp.join(job[4], str(res["image"].get("file_name"))))
            for res, job in zip(chunk, chunk_jobs, strict=True)
        )
    )
    if not fits:
        warnings.warn(
            f"SynthRef: {path} does not match images {chunk_jobs[0][0]}-"
            f"{chunk_jobs[-1][0]} (or their PNGs are missing); redrawing them.",
            stacklevel=3,
        )
        return None
    return chunk


def _store_chunk(path: str, chunk: list[dict]) -> None:
    """Write a chunk's annotations atomically (a stored chunk is always complete)."""
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(chunk, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)


def _draw_chunks(
    partial: str, jobs: list[tuple], chunk_size: int, workers: int, desc: str, progress: bool
) -> list[dict]:
    """Per-image annotations of ``jobs``, drawing only the chunks not stored in ``partial``.

    A chunk's PNGs are written first and its annotations (``chunks/<first index>.json``) last,
    atomically. The annotations are plain JSON types, so a stored chunk reads back exactly as
    drawn and a resumed run writes the same bytes as an uninterrupted one.
    """
    starts = range(0, len(jobs), chunk_size)
    paths = {i: osp.join(partial, "chunks", f"{i:07d}.json") for i in starts}
    stored = {
        i: _load_chunk(paths[i], jobs[i : i + chunk_size]) for i in starts if osp.isfile(paths[i])
    }
    stored = {i: chunk for i, chunk in stored.items() if chunk is not None}
    bar = tqdm(
        total=len(jobs),
        initial=sum(len(c) for c in stored.values()),
        desc=desc,
        disable=not progress,
        unit="img",
    )
    pool = None
    if workers > 1 and len(stored) < len(starts):
        # not 'fork': forking a process whose other threads (torch, OpenCV) hold locks can
        # deadlock the children inside cv2 (seen when a training process generates SynthRef)
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        pool = ctx.Pool(workers)
    results = []
    try:
        for i in starts:
            if i in stored:
                results.extend(stored[i])
                continue
            chunk_jobs = jobs[i : i + chunk_size]
            drawn = (
                pool.imap(_make_image, chunk_jobs, chunksize=16)
                if pool
                else map(_make_image, chunk_jobs)
            )
            chunk = []
            for res in drawn:
                chunk.append(res)
                bar.update()
            _store_chunk(paths[i], chunk)
            results.extend(chunk)
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
    return results


def _generate_into(
    partial: str,
    preset: str,
    seed: int,
    split_of: np.ndarray,
    side: int,
    workers: int | None,
    progress: bool,
    chunk_size: int,
) -> None:
    """Draw every image into ``partial/images`` and write the annotation files into it."""
    n = len(split_of)
    jobs = [(i, seed, side, str(split_of[i]), osp.join(partial, "images")) for i in range(n)]
    # a pool only pays off for larger presets (the tiny one draws in under a second)
    workers = workers or (min(2, len(os.sched_getaffinity(0))) if n >= 256 else 1)
    results = _draw_chunks(partial, jobs, chunk_size, workers, f"SynthRef {preset}", progress)
    _write_outputs(partial, _assign_ids(results, side), preset, seed, side)
    os.remove(osp.join(partial, "partial.json"))
    shutil.rmtree(osp.join(partial, "chunks"))


def generate_synthref(
    out_dir: str,
    preset: str = "default",
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
    chunk_size: int = CHUNK_SIZE,
) -> dict:
    """Generate SynthRef into ``out_dir`` (which must not exist yet), resuming an interrupted run.

    Writes into ``<out_dir>.partial`` and renames it at the end, so an interrupted run never
    leaves a folder that looks complete. A later call with the same preset and seed keeps the
    chunks of images already drawn there (the result is byte-identical to an uninterrupted
    run); another preset or seed starts the partial folder afresh. Concurrent calls for the
    same parent folder take turns (a lock on that folder); the later one then finds
    ``out_dir`` complete and raises ``FileExistsError``.

    Args:
        out_dir: destination folder.
        preset: a key of :data:`PRESETS` (``tiny`` or ``default``).
        seed: master seed; equal seeds give byte-identical annotation files.
        workers: processes drawing images (default: up to 2, the CPUs available).
        progress: show a progress bar.
        chunk_size: images per stored chunk (the work an interruption can lose).

    Returns:
        the contents of ``synthref_meta.json`` plus ``seconds`` (wall time).
    """
    if preset not in PRESETS:
        raise ValueError(f"Unknown SynthRef preset {preset!r}; choose from {list(PRESETS)}.")
    if osp.exists(out_dir):
        raise FileExistsError(f"{out_dir} already exists; remove it or choose another --out.")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    start = time.perf_counter()
    cfg = PRESETS[preset]
    n, side = cfg["num_images"], cfg["side"]
    perm = np.random.default_rng(seed).permutation(n)
    split_of = np.empty(n, dtype=object)
    n_train, n_val = round(0.8 * n), round(0.1 * n)
    split_of[perm[:n_train]] = "train"
    split_of[perm[n_train : n_train + n_val]] = "val"
    split_of[perm[n_train + n_val :]] = "test"
    out_dir = out_dir.rstrip(os.sep)
    partial = f"{out_dir}.partial"
    parent = osp.dirname(osp.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    lock = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the descriptor is closed
        if osp.exists(out_dir):
            raise FileExistsError(f"{out_dir} was created by another job meanwhile.")
        # chunk_format: a partial folder from a version that stored pickled chunks is redone
        signature = dict(
            format_version=FORMAT_VERSION,
            preset=preset,
            seed=seed,
            chunk_size=chunk_size,
            chunk_format="json",
        )
        _prepare_partial(partial, signature)
        _generate_into(partial, preset, seed, split_of, side, workers, progress, chunk_size)
        os.rename(partial, out_dir)  # atomic: out_dir appears complete or not at all
    finally:
        os.close(lock)
    with open(osp.join(out_dir, "synthref_meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return dict(meta, seconds=time.perf_counter() - start)
