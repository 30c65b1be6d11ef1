"""Write Pseudo-RIS pseudo pairs as a REFER-format dataset that ``ReferDataset`` reads.

Layout of ``out_dir``::

    instances.json      COCO images + one annotation per pseudo mask (COCO RLE), category 1
    refs(pseudo).p      one train ref per pseudo mask, its kept captions as sentences
    images -> IMG_ROOT  a link to the image folder (file names are relative to it)
    pseudo_meta.json    counts and the settings that made the files

Train on it with ``dict(type='ReferDataset', data_root=out_dir, dataset='',
split_by='pseudo', split='train', img_prefix='images')``; ``SelectSentence`` then draws one
kept caption per iteration, as the release's loader does.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from risseg.pseudo_ris.filtering import keep_indices
from risseg.pseudo_ris.stages import image_ids, read_json
from risseg.utils.masks import mask_to_bbox
from risseg.utils.proposal_io import decode_masks, write_json_atomic

FILTERS = ("release", "top_k", "none")


def _sentence(text: str, sent_id: int) -> dict:
    tokens = text.lower().replace(".", " ").split()
    return dict(raw=text, sent=" ".join(tokens), tokens=tokens, sent_id=sent_id)


def _kept(captions: list[str], scores: dict | None, seg: int, rule: str) -> list[str]:
    if rule == "none" or scores is None:
        return captions
    return [captions[i] for i in keep_indices(scores["doc"][seg], bool(scores["one_mask"]), rule)]


def write_refer(
    mask_dir: str | Path,
    caption_dir: str | Path,
    out_dir: str | Path,
    img_root: str | Path,
    *,
    score_dir: str | Path | None = None,
    rule: str = "release",
) -> dict:
    """Merge the stage files into a REFER-format pseudo dataset.

    Args:
        mask_dir, caption_dir, score_dir: the stages' per-image folders (``score_dir`` is
            needed unless ``rule='none'``).
        out_dir: output folder (created).
        img_root: the folder the masks' ``img_path`` values lie in.
        rule: caption filter: ``'release'`` / ``'top_k'`` (see
            :func:`~risseg.pseudo_ris.filtering.keep_indices`) or ``'none'`` (all candidates).

    Returns:
        Counts ``{'images', 'refs', 'sentences'}``.
    """
    if rule not in FILTERS:
        raise ValueError(f"rule: expected one of {FILTERS}, got {rule!r}")
    if rule != "none" and score_dir is None:
        raise ValueError(f"rule {rule!r} needs score_dir (the score stage's folder)")
    out_dir, img_root = Path(out_dir), Path(img_root).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    images, anns, refs, n_sent = [], [], [], 0
    for image_id in image_ids(caption_dir):
        caps = read_json(Path(caption_dir) / f"{image_id}.json", "Caption")
        if not caps["num_masks"]:
            continue
        rec = read_json(Path(mask_dir) / f"{image_id}.json", "Pseudo-mask")
        masks = decode_masks(rec["masks"], rec["height"], rec["width"])
        masks = masks[masks.reshape(len(masks), -1).any(axis=1)]
        scores = None
        if rule != "none":
            scores = read_json(Path(score_dir) / f"{image_id}.json", "Score")
        file_name = os.path.relpath(Path(rec["img_path"]).resolve(), img_root)
        images.append(
            dict(id=image_id, file_name=file_name, height=rec["height"], width=rec["width"])
        )
        for seg, mask in enumerate(masks):
            texts = [t for t in _kept(caps["captions"][seg], scores, seg, rule) if t.strip()]
            if not texts:
                continue
            ann_id = len(anns) + 1
            x0, y0, x1, y1 = (float(v) for v in mask_to_bbox(mask))
            anns.append(
                dict(
                    id=ann_id,
                    image_id=image_id,
                    category_id=1,
                    bbox=[x0, y0, x1 - x0, y1 - y0],
                    area=int(mask.sum()),
                    iscrowd=0,
                    segmentation=rec["masks"][_index_of(rec, seg)],
                )
            )
            sents = [_sentence(t, n_sent + k + 1) for k, t in enumerate(texts)]
            n_sent += len(sents)
            refs.append(
                dict(
                    ref_id=ann_id,
                    ann_id=ann_id,
                    image_id=image_id,
                    category_id=1,
                    split="train",
                    sent_ids=[s["sent_id"] for s in sents],
                    sentences=sents,
                    file_name=file_name,
                )
            )
    if not refs:
        raise ValueError(f"write_refer: no pseudo ref with a caption in {caption_dir}")
    categories = [dict(id=1, name="object", supercategory="object")]
    write_json_atomic(
        out_dir / "instances.json", dict(images=images, annotations=anns, categories=categories)
    )
    tmp = out_dir / "refs(pseudo).p.tmp"
    with tmp.open("wb") as f:
        pickle.dump(refs, f)
    os.replace(tmp, out_dir / "refs(pseudo).p")
    link = out_dir / "images"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(img_root, target_is_directory=True)
    counts = dict(images=len(images), refs=len(refs), sentences=n_sent)
    meta = dict(
        counts,
        rule=rule,
        masks=str(mask_dir),
        captions=str(caption_dir),
        scores=str(score_dir),
        img_root=str(img_root),
    )
    write_json_atomic(out_dir / "pseudo_meta.json", meta)
    return counts


def _index_of(rec: dict, seg: int) -> int:
    """Index in ``rec['masks']`` of the ``seg``-th non-empty mask."""
    nonempty = [i for i, r in enumerate(rec["masks"]) if _rle_nonempty(r)]
    return nonempty[seg]


def _rle_nonempty(rle: dict) -> bool:
    import pycocotools.mask as mask_utils

    return bool(mask_utils.area(dict(rle, counts=rle["counts"].encode("ascii"))) > 0)
