"""REFER-format datasets: RefCOCO, RefCOCO+, RefCOCOg, ReferIt (RefCLEF) and SynthRef.

On disk (``<data_root>/<dataset>/``): ``refs(<split_by>).p`` (or the converted
``refs(<split_by>).json``) and ``instances.json``; images under ``img_prefix``. See
docs/datasets.md and docs/data_flow.md for the entries this dataset yields.
"""

from __future__ import annotations

import json
import os.path as osp
from collections import Counter

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from risseg.registry import DATASETS
from risseg.utils.safe_pickle import safe_load_pickle

SPLITS = ("train", "val", "test", "testA", "testB", "testC")
SUPERVISIONS = ("mask", "box", "none")
_REF_KEYS = ("ref_id", "ann_id", "image_id", "split", "sentences")


def split_matches(ref_split: str, split: str) -> bool:
    """REFER's split filter (``REFER.getRefIds``).

    ``testA/testB/testC`` keep a ref when the requested split's last character occurs in the
    ref's split (a ``testAB`` ref is in testA and testB); ``test`` keeps every split containing
    ``test``; ``train`` and ``val`` need equality.
    """
    if split in ("testA", "testB", "testC"):
        return "test" in ref_split and split[-1] in ref_split
    if split == "test":
        return "test" in ref_split
    return ref_split == split


def load_refs(path: str) -> list[dict]:
    """Load a REFER refs file (restricted pickle or JSON) and check its structure.

    Args:
        path: ``refs(<split_by>).p`` or ``refs(<split_by>).json``.

    Returns:
        list of ref dicts with at least ``ref_id, ann_id, image_id, split, sentences``.
    """
    if path.endswith(".json"):
        try:
            with open(path, encoding="utf-8") as f:
                refs = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from err
    else:
        refs = safe_load_pickle(path)
    if not isinstance(refs, list):
        raise ValueError(f"{path}: expected a list of refs, got {type(refs).__name__}.")
    for i, ref in enumerate(refs):
        if not isinstance(ref, dict):
            raise ValueError(f"{path}: ref #{i} is a {type(ref).__name__}, not a dict.")
        missing = [k for k in _REF_KEYS if k not in ref]
        if missing:
            raise ValueError(f"{path}: ref #{i} (ref_id={ref.get('ref_id')}) lacks {missing}.")
    return refs


@DATASETS.register_module()
class ReferDataset(BaseDataset):
    """Referring expressions in the REFER format (Yu et al. 2016, https://github.com/lichengunc/refer).

    Training yields one entry per ref with all its sentences (``SelectSentence`` samples one);
    testing yields one entry per (ref, sentence), or per ref with ``sentence_mode``.

    Args:
        data_root: folder holding ``<dataset>/`` and the images.
        dataset: sub-folder name (``refcoco``, ``refcoco+``, ``refcocog``, ``refclef``); empty
            when the annotation files sit directly in ``data_root``.
        split_by: ``unc``, ``umd``, ``google``, ``berkeley`` or ``synth``.
        split: ``train``, ``val``, ``test``, ``testA``, ``testB`` or ``testC``.
        img_prefix: image folder, relative to ``data_root`` unless absolute; image files are
            ``instances.json`` ``images[*].file_name`` inside it.
        text_field: ``raw`` (original text; LAVT) or ``sent`` (lower-cased, tokenised).
        sentence_mode: in test mode, ``all`` (one entry per sentence, the standard protocol),
            ``first`` or ``random`` (one seeded random sentence per ref, as LAVT's
            training-time validation).
        sentence_seed: seed of ``sentence_mode='random'``.
        supervision_file: optional JSON ``{"mask": [ref_id...], "box": [...], "none": [...],
            "default": "mask"}`` (relative to the annotation folder unless absolute) setting
            each entry's ``supervision``; without it every entry is ``mask``.
        keep_supervision: keep only entries whose supervision is in this list (e.g.
            ``['mask']`` for the labeled half of a semi-supervised split).
        refs_file: explicit refs file name, overriding ``refs(<split_by>).json|p``.
        pseudo_ann_file: optional JSON ``{ref_id: segmentation}`` of pseudo masks (COCO RLE
            or polygons at the original resolution, e.g. from ``tools/choose_pseudo.py``;
            relative to the annotation folder unless absolute). Refs listed there that have
            no GT mask get it as their segmentation and become ``mask``-supervised, with
            ``pseudo=True`` in the entry; refs with GT masks keep them.
        on_bad_item: ``error`` (default) raises on a ref whose annotation, image record or
            sentences are missing; ``skip`` drops it and logs the count.
        **kwargs: passed to :class:`mmengine.dataset.BaseDataset` (``pipeline``,
            ``test_mode``, ``indices``, ``serialize_data``, ``lazy_init``).
    """

    METAINFO: dict = dict(dataset_name="refer")

    def __init__(
        self,
        data_root: str = "",
        dataset: str = "refcoco",
        split_by: str = "unc",
        split: str = "train",
        *,
        img_prefix: str = "images/mscoco/images/train2014",
        text_field: str = "raw",
        sentence_mode: str = "all",
        sentence_seed: int = 0,
        supervision_file: str | None = None,
        keep_supervision: list[str] | None = None,
        refs_file: str | None = None,
        pseudo_ann_file: str | None = None,
        on_bad_item: str = "error",
        **kwargs,
    ):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
        if text_field not in ("raw", "sent"):
            raise ValueError(f"text_field must be 'raw' or 'sent', got {text_field!r}.")
        if sentence_mode not in ("all", "first", "random"):
            raise ValueError(f"sentence_mode must be all/first/random, got {sentence_mode!r}.")
        if on_bad_item not in ("error", "skip"):
            raise ValueError(f"on_bad_item must be 'error' or 'skip', got {on_bad_item!r}.")
        self.dataset = dataset
        self.split_by = split_by
        self.split = split
        self.img_prefix = img_prefix
        self.text_field = text_field
        self.sentence_mode = sentence_mode
        self.sentence_seed = sentence_seed
        self.supervision_file = supervision_file
        self.keep_supervision = keep_supervision
        self.refs_file = refs_file
        self.pseudo_ann_file = pseudo_ann_file
        self.on_bad_item = on_bad_item
        self.num_skipped: dict[str, int] = {}  # reason -> count, filled by load_data_list
        super().__init__(data_root=data_root, **kwargs)

    # ----------------------------------------------------------------------------- paths
    @property
    def ann_dir(self) -> str:
        """Folder with the refs file and ``instances.json``."""
        return osp.join(self.data_root, self.dataset) if self.dataset else self.data_root

    def _refs_path(self) -> str:
        if self.refs_file:
            return osp.join(self.ann_dir, self.refs_file)
        json_path = osp.join(self.ann_dir, f"refs({self.split_by}).json")
        return json_path if osp.isfile(json_path) else json_path[:-5] + ".p"

    def _img_root(self) -> str:
        return osp.join(self.data_root, self.img_prefix)

    # ----------------------------------------------------------------------------- loading
    def load_data_list(self) -> list[dict]:
        """Read the refs and instances files and build the entries of ``self.split``."""
        logger = MMLogger.get_current_instance()
        refs_path = self._refs_path()
        inst_path = osp.join(self.ann_dir, "instances.json")
        refs = [r for r in load_refs(refs_path) if split_matches(str(r["split"]), self.split)]
        if not refs:
            raise ValueError(f"{refs_path}: no refs in split {self.split!r}.")
        anns, imgs = self._load_instances(inst_path)
        supervision = self._load_supervision([r["ref_id"] for r in refs])
        pseudo = self._load_pseudo_anns()
        skipped: Counter = Counter()
        rng = np.random.default_rng(self.sentence_seed)
        data_list = []
        for ref in refs:
            entry = self._parse_ref(ref, anns, imgs, refs_path, inst_path, skipped)
            if entry is None:
                continue
            entry["supervision"] = supervision.get(ref["ref_id"], "mask")
            if entry["supervision"] != "mask":
                entry["segmentation"] = None
                if ref["ref_id"] in pseudo:
                    entry.update(
                        segmentation=pseudo[ref["ref_id"]], supervision="mask", pseudo=True
                    )
            if (
                self.keep_supervision is not None
                and entry["supervision"] not in self.keep_supervision
            ):
                continue
            data_list.extend(self._expand_sentences(entry, rng))
        self.num_skipped = dict(skipped)
        for reason, count in skipped.items():
            logger.warning(f"{self.__class__.__name__} {self.split}: {reason}: {count}")
        logger.info(
            f"{self.__class__.__name__}: {len(data_list)} entries from "
            f"{len(refs)} refs of {refs_path} split {self.split!r}."
        )
        return data_list

    @staticmethod
    def _load_instances(inst_path: str) -> tuple[dict, dict]:
        if not osp.isfile(inst_path):
            raise FileNotFoundError(f"Annotation file not found: {inst_path}")
        try:
            with open(inst_path, encoding="utf-8") as f:
                instances = json.load(f)
            anns = {a["id"]: a for a in instances["annotations"]}
            imgs = {i["id"]: i for i in instances["images"]}
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(f"{inst_path}: malformed COCO instances file ({err!r}).") from err
        return anns, imgs

    def _bad(self, msg: str, skipped: Counter, reason: str) -> None:
        if self.on_bad_item == "error":
            raise ValueError(msg + " (set on_bad_item='skip' to drop such refs)")
        skipped[reason] += 1

    def _parse_ref(
        self, ref: dict, anns: dict, imgs: dict, refs_path: str, inst_path: str, skipped: Counter
    ) -> dict | None:
        """One entry with all non-empty sentences of ``ref``, or None when skipped."""
        ref_id = ref["ref_id"]
        ann = anns.get(ref["ann_id"])
        if ann is None:
            return self._bad(
                f"ref_id={ref_id}: annotation {ref['ann_id']} not found in "
                f"{inst_path} (refs from {refs_path})",
                skipped,
                "missing annotation",
            )
        img = imgs.get(ref["image_id"])
        if img is None:
            return self._bad(
                f"ref_id={ref_id}: image {ref['image_id']} not found in "
                f"{inst_path} (refs from {refs_path})",
                skipped,
                "missing image",
            )
        texts, sent_ids = [], []
        for sent in ref["sentences"]:
            text = str(sent.get(self.text_field, "")).strip()
            if text:
                texts.append(text)
                sent_ids.append(int(sent["sent_id"]))
            else:
                skipped["empty sentences dropped"] += 1
        if not texts:
            return self._bad(
                f"ref_id={ref_id}: no non-empty '{self.text_field}' sentence in {refs_path}",
                skipped,
                "refs without sentences",
            )
        return dict(
            img_path=osp.join(self._img_root(), img["file_name"]),
            image_id=int(ref["image_id"]),
            ref_id=int(ref_id),
            ann_id=int(ref["ann_id"]),
            category_id=int(ref.get("category_id", ann.get("category_id", 0))),
            height=int(img["height"]),
            width=int(img["width"]),
            texts=texts,
            sent_ids=sent_ids,
            segmentation=ann.get("segmentation"),
            bbox=[float(v) for v in ann["bbox"]],
        )

    def _expand_sentences(self, entry: dict, rng: np.random.Generator) -> list[dict]:
        """Train: the entry itself; test: one entry per chosen sentence."""
        if not self.test_mode:
            return [entry]
        pairs = list(zip(entry["texts"], entry["sent_ids"], strict=True))
        if self.sentence_mode == "first":
            pairs = pairs[:1]
        elif self.sentence_mode == "random":
            pairs = [pairs[rng.integers(len(pairs))]]
        return [dict(entry, texts=[t], sent_ids=[s]) for t, s in pairs]

    def _read_side_file(self, path: str, what: str) -> tuple[str, object]:
        """Read a JSON side file given absolute or relative to the annotation folder.

        Returns:
            The resolved path and the parsed JSON.
        """
        if not osp.isabs(path):
            path = osp.join(self.ann_dir, path)
        if not osp.isfile(path):
            raise FileNotFoundError(f"{what} file not found: {path}")
        with open(path, encoding="utf-8") as f:
            return path, json.load(f)

    def _load_pseudo_anns(self) -> dict[int, list | dict]:
        """ref_id -> pseudo segmentation from ``pseudo_ann_file`` (empty without one)."""
        if self.pseudo_ann_file is None:
            return {}
        path, spec = self._read_side_file(self.pseudo_ann_file, "Pseudo annotation")
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: expected a JSON object {{ref_id: segmentation}}.")
        try:
            return {int(ref_id): seg for ref_id, seg in spec.items()}
        except ValueError as err:
            raise ValueError(f"{path}: keys must be ref ids ({err}).") from err

    def _load_supervision(self, ref_ids: list[int]) -> dict[int, str]:
        """Map ref_id -> 'mask'|'box'|'none' from ``supervision_file`` (empty: all masks)."""
        if self.supervision_file is None:
            return {}
        path, spec = self._read_side_file(self.supervision_file, "Supervision")
        default = spec.get("default", "mask")
        if default not in SUPERVISIONS:
            raise ValueError(f"{path}: 'default' must be one of {SUPERVISIONS}.")
        mapping = {int(r): kind for kind in SUPERVISIONS for r in spec.get(kind, [])}
        if not any(kind in spec for kind in SUPERVISIONS):
            raise ValueError(f"{path}: needs at least one of the keys {SUPERVISIONS}.")
        if self.split == "train" and not set(ref_ids) & set(mapping):
            raise ValueError(
                f"{path}: lists none of the {len(ref_ids)} train ref_ids of "
                f"{self._refs_path()}; is it for another dataset?"
            )
        return {r: mapping.get(r, default) for r in ref_ids}
