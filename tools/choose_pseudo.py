"""Partial-RES RPP: choose pseudo masks from predictions on the train split.

Reads the predictions written by ``DumpPredictions`` (``tools/test.py`` on the train split),
scores them against their GT boxes with the labeler of ``--config`` (default
configs/_base_/labelers/rpp.py: ``pseudo_labeler=dict(type='RPPLabeler', ...)``, the release's
rule: polygons re-rasterised, sum of the two projection Dice losses < 0.1, one polygon only;
``--cfg-options pseudo_labeler.score_thr=...`` changes it), keeps the masks it keeps
(``pseudo_keep``), never for refs that already have GT masks, and writes a pseudo annotation
file ``{ref_id: COCO RLE}`` that the REFER/SynthRef datasets load with ``pseudo_ann_file=``
(those refs then train as mask-supervised).

The refs with GT masks come from the dataset's supervision file: ``--ratio N`` reads
``supervision_<N>pct.json`` from ``--ann-dir`` (default: the nearest folder above the
predictions' images that holds it), ``--labeled FILE`` names one (checked against ``--ratio``
when both are given). Without either, the records' ``supervision`` field decides, which is only
right when the predictions were dumped with the same ``supervision_file`` (a dataset without one
marks every ref 'mask'). With nothing to choose from the tool exits with an error.

Like the release, one sentence per ref is scored, drawn at random (seeded,
``--seed``); ``--sentence best`` keeps the best-scoring sentence instead and
``--keep-multi-polygon`` scores predictions of several polygons on their union (risseg
options). See docs/methods/partial_res.md.

    python tools/choose_pseudo.py --pred work_dirs/x/train_preds.json --ratio 1 \
        --out data/synthref/pseudo_rpp_1pct.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.structures import PixelData
from torch import nn

from risseg.evaluation.metrics.ref_box_metric import box_iou
from risseg.labelers.base import is_kept
from risseg.registry import LABELERS
from risseg.structures import RISDataSample
from risseg.utils.masks import mask_to_bbox, mask_to_rle, rle_to_mask

SENTENCE_MODES = ("random", "best")
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs/_base_/labelers/rpp.py"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Choose RPP pseudo masks (Partial-RES)")
    parser.add_argument("--pred", required=True, help="DumpPredictions JSON of the train split")
    parser.add_argument("--out", help="output pseudo annotation JSON")
    parser.add_argument(
        "--ratio",
        type=float,
        help="mask ratio in percent: reads the dataset's "
        "supervision_<ratio>pct.json (see --ann-dir) and names the default --out",
    )
    parser.add_argument(
        "--ann-dir",
        help="folder of the dataset's supervision files (default: "
        "the nearest folder above the predictions' images holding the file)",
    )
    parser.add_argument(
        "--labeled",
        help="ref ids that have GT masks: a supervision file "
        "({'mask': [...], ...}) or a JSON list (default: from --ratio, else "
        "records whose supervision is 'mask')",
    )
    parser.add_argument(
        "--config",
        default=str(DEFAULT_CONFIG),
        help="config whose pseudo_labeler scores the predictions",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override the config, e.g. pseudo_labeler.score_thr=0.2",
    )
    parser.add_argument("--thr", type=float, help="shortcut for pseudo_labeler.score_thr")
    parser.add_argument(
        "--sentence",
        choices=SENTENCE_MODES,
        default="random",
        help="which sentence of a ref is scored: one drawn at random (the "
        "release) or the best-scoring one",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --sentence random")
    parser.add_argument(
        "--keep-multi-polygon",
        action="store_true",
        help="shortcut for pseudo_labeler.keep_multi_polygon=True: score "
        "predictions of several polygons on their union instead of dropping them",
    )
    return parser.parse_args()


def load_records(path: str) -> list[dict]:
    """The prediction records; a clear error for a missing or malformed file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"prediction file not found: {path}")
    with open(path) as f:
        records = json.load(f)
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a JSON list of DumpPredictions records")
    for i, rec in enumerate(records):
        missing = {"ref_id", "pred_rle", "gt_bbox"} - set(rec)
        if missing:
            raise ValueError(f"{path}: record {i} lacks {sorted(missing)}")
    return records


def load_labeled(path: str, ratio: float | None = None) -> set[int]:
    """Labeled ref ids from a supervision file (its 'mask' list) or a JSON list.

    Args:
        path: the file.
        ratio: when given, the mask ratio in percent the file must have: its ``ratio`` entry
            (a fraction, as ``tools/data/make_supervision_subsets.py`` writes it) or else
            the share of 'mask' among its listed refs, within half a percentage point.

    Raises:
        ValueError: malformed file, or a ratio that does not match.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"labeled-refs file not found: {path}")
    with open(path) as f:
        spec = json.load(f)
    ids = spec.get("mask") if isinstance(spec, dict) else spec
    if not isinstance(ids, list):
        raise ValueError(f"{path}: expected a list of ref ids or a dict with a 'mask' list")
    if ratio is not None:
        if isinstance(spec, dict) and "ratio" in spec:
            pct = 100.0 * float(spec["ratio"])
            ok = abs(pct - ratio) < 1e-6
        else:
            listed = (
                len(ids) + sum(len(spec.get(k, [])) for k in ("box", "none"))
                if isinstance(spec, dict)
                else 0
            )
            pct = 100.0 * len(ids) / listed if listed else float("nan")
            ok = abs(pct - ratio) < 0.5
        if not ok:
            raise ValueError(f"{path} is a {pct:g} % mask split, not the --ratio {ratio:g} % one")
    return {int(r) for r in ids}


def find_supervision_file(ratio: float, records: list[dict], ann_dir: str | None) -> str:
    """``supervision_<ratio>pct.json`` in ``ann_dir``, or in the nearest folder above the
    records' images that holds it.

    Raises:
        FileNotFoundError: naming the folders searched.
    """
    name = f"supervision_{ratio:g}pct.json"
    if ann_dir is not None:
        dirs = [Path(ann_dir)]
    else:
        img = next((r["img_path"] for r in records if r.get("img_path")), None)
        dirs = list(Path(img).resolve().parents) if img else []
    for folder in dirs:
        if (folder / name).is_file():
            return str(folder / name)
    where = ", ".join(map(str, dirs[:4])) + (" ..." if len(dirs) > 4 else "") or "nowhere"
    raise FileNotFoundError(
        f"--ratio {ratio:g}: no {name} in {where}; give --ann-dir (the dataset's annotation "
        "folder, e.g. data/synthref) or --labeled FILE (tools/data/make_supervision_subsets.py "
        "writes these files)"
    )


def build_labeler(config: str, cfg_options: dict | None = None) -> nn.Module:
    """The ``pseudo_labeler`` of a config (e.g. configs/_base_/labelers/rpp.py)."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if "pseudo_labeler" not in cfg:
        raise KeyError(f"{config} defines no pseudo_labeler")
    labeler = LABELERS.build(cfg.pseudo_labeler)
    if getattr(labeler, "output", None) != "pseudo_mask":
        raise TypeError(f"{config}: {type(labeler).__name__} does not write pseudo masks")
    return labeler


def draw_sentences(records: list[dict], seed: int = 0) -> set[int]:
    """One record per ref drawn at random: the sentence the release's train loader would draw.

    Args:
        records: DumpPredictions records (every sentence of every ref).
        seed: seed of the draw; refs are visited in ascending id, their records in ascending
            ``sent_id``, so the draw does not depend on the file's order.

    Returns:
        Indices into ``records`` of the drawn records.
    """
    by_ref: dict[int, list[int]] = {}
    for i, rec in enumerate(records):
        by_ref.setdefault(int(rec["ref_id"]), []).append(i)
    rng = np.random.default_rng(seed)
    drawn = set()
    for ref_id in sorted(by_ref):
        idx = sorted(by_ref[ref_id], key=lambda i: (int(records[i].get("sent_id") or 0), i))
        drawn.add(idx[int(rng.integers(len(idx)))])
    return drawn


def score_records(
    records: list[dict], labeler: nn.Module, labeled: set[int] | None = None
) -> list[RISDataSample]:
    """Run ``labeler`` on every record; returns the labelled samples in record order.

    Args:
        records: DumpPredictions records.
        labeler: a mask labeler reading ``pred_mask`` and ``gt_bbox`` (e.g. ``RPPLabeler``).
        labeled: ref ids with GT masks (default: records with supervision 'mask').
    """
    samples = []
    for rec in records:
        sup = rec.get("supervision")
        if labeled is not None:
            sup = "mask" if int(rec["ref_id"]) in labeled else "box"
        sample = RISDataSample(metainfo=dict(supervision=sup, ref_id=int(rec["ref_id"])))
        sample.pred_mask = PixelData(data=torch.from_numpy(rle_to_mask(rec["pred_rle"]))[None])
        sample.gt_bbox = torch.tensor(rec["gt_bbox"], dtype=torch.float64)
        samples.append(labeler(None, [sample])[0])
    return samples


def _candidate_stats(records: list[dict], samples: list[RISDataSample], labeled: set[int]) -> dict:
    """Box fit (REC Acc@0.5) and prediction IoU of the records of refs without GT masks."""
    stats: dict[str, float] = {}
    cand = [
        (r, s) for r, s in zip(records, samples, strict=True) if int(r["ref_id"]) not in labeled
    ]
    hits = [box_iou(mask_to_bbox(rle_to_mask(r["pred_rle"])), r["gt_bbox"]) >= 0.5 for r, _ in cand]
    all_iou = [r["iou"] for r, _ in cand if "iou" in r]
    hit_iou = [r["iou"] for (r, _), h in zip(cand, hits, strict=True) if h and "iou" in r]
    stats["num_multi_polygon"] = sum(s.metainfo.get("num_polygons", 1) > 1 for _, s in cand)
    if all_iou:
        stats["candidate_mean_iou"] = float(np.mean(all_iou))
    if hits:  # how often the model put its mask on the right object (REC Acc@0.5)
        stats["candidate_box_acc50"] = float(np.mean(hits))
    if hit_iou:
        stats["box_hit_mean_iou"] = float(np.mean(hit_iou))
    return stats


def choose(
    records: list[dict],
    labeled: set[int] | None = None,
    thr: float = 0.1,
    sentence: str = "random",
    seed: int = 0,
    keep_multi_polygon: bool = False,
    labeler: nn.Module | dict | None = None,
) -> tuple[dict, dict]:
    """Select pseudo masks.

    Args:
        records: DumpPredictions records.
        labeled: ref ids with GT masks (default: records with supervision 'mask'); never kept.
        thr: projection-loss threshold (without ``labeler``).
        sentence: 'random' (score one seeded random sentence per ref, the release) or 'best'
            (keep the highest ``pseudo_score`` among the kept sentences).
        seed: seed of the random sentence.
        keep_multi_polygon: score multi-polygon predictions on their union (without
            ``labeler``).
        labeler: the mask labeler or its LABELERS config (default: ``RPPLabeler`` with
            ``thr`` and ``keep_multi_polygon``).

    Returns:
        ``{ref_id: rle}`` of the kept refs' pseudo masks (the re-rasterised polygons) and a
        statistics dict.
    """
    if sentence not in SENTENCE_MODES:
        raise ValueError(f"sentence must be one of {SENTENCE_MODES}, got {sentence!r}")
    if labeler is None:
        labeler = dict(type="RPPLabeler", score_thr=thr, keep_multi_polygon=keep_multi_polygon)
    if isinstance(labeler, dict):
        labeler = LABELERS.build(labeler)
    samples = score_records(records, labeler, labeled)
    if labeled is None:
        labeled = {int(r["ref_id"]) for r in records if r.get("supervision") == "mask"}
    scored = draw_sentences(records, seed) if sentence == "random" else range(len(records))
    best: dict[int, tuple[float, int]] = {}
    for i in sorted(scored):
        s = samples[i]
        ref_id = int(records[i]["ref_id"])
        if ref_id in labeled or not is_kept(s):
            continue
        if ref_id not in best or s.pseudo_score > best[ref_id][0]:
            best[ref_id] = (s.pseudo_score, i)
    refs = {int(r["ref_id"]) for r in records}
    stats = dict(
        num_records=len(records),
        num_refs=len(refs),
        num_labeled=len(refs & labeled),
        num_candidates=len(refs - labeled),
        num_scored=len(scored),
        num_kept=len(best),
        **_candidate_stats(records, samples, labeled),
    )
    kept_iou = [records[i]["iou"] for _, i in best.values() if "iou" in records[i]]
    if kept_iou:  # IoU of the kept predictions (before re-rasterisation) with the GT
        stats["kept_mean_iou"] = float(np.mean(kept_iou))
    pseudo = {
        ref_id: mask_to_rle(samples[i].pseudo_mask.data[0].numpy())
        for ref_id, (_, i) in sorted(best.items())
    }
    return pseudo, stats


def resolve_labeled(args: argparse.Namespace, records: list[dict]) -> set[int] | None:
    """The labeled ref ids of ``--labeled`` / ``--ratio`` (None: the records decide).

    Raises:
        ValueError: the file lists none of the predicted refs, or the records' own
            supervision (when they carry a split) disagrees with it.
    """
    path = args.labeled
    if path is None and args.ratio is not None:
        path = find_supervision_file(args.ratio, records, args.ann_dir)
    if path is None:
        return None
    labeled = load_labeled(path, args.ratio)
    refs = {int(r["ref_id"]) for r in records}
    if not labeled & refs:
        raise ValueError(
            f"{path} lists none of the {len(refs)} refs of {args.pred}: is it "
            "another dataset's file?"
        )
    marked = {int(r["ref_id"]) for r in records if r.get("supervision") == "mask"}
    if marked != refs and marked != labeled & refs:  # the records carry a split: must agree
        raise ValueError(
            f"{args.pred} marks {len(marked)} refs mask-labelled but {path} "
            f"labels {len(labeled & refs)} of them: predictions of another split?"
        )
    print(f"labeled refs from {path}", file=sys.stderr)
    return labeled


def _nothing_to_choose(args: argparse.Namespace, stats: dict, labeled: set[int] | None) -> str:
    """The error message when no ref lacks a GT mask."""
    msg = f"{args.pred}: nothing to choose from, all {stats['num_refs']} refs have GT masks"
    if labeled is None:
        msg += (
            " by the records' 'supervision' field (a dataset without supervision_file "
            "marks every ref 'mask'); give --ratio N (reads supervision_<N>pct.json) or "
            "--labeled FILE"
        )
    return msg


def main() -> None:
    args = parse_args()
    out = args.out
    if out is None:
        if args.ratio is None:
            raise SystemExit("give --out or --ratio")
        out = str(Path(args.pred).with_name(f"pseudo_rpp_{args.ratio:g}pct.json"))
    options = dict(args.cfg_options or {})
    if args.thr is not None:
        options["pseudo_labeler.score_thr"] = args.thr
    if args.keep_multi_polygon:
        options["pseudo_labeler.keep_multi_polygon"] = True
    records = load_records(args.pred)
    try:
        labeled = resolve_labeled(args, records)
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit(f"choose_pseudo: {err}") from None
    labeler = build_labeler(args.config, options)
    pseudo, stats = choose(
        records, labeled, sentence=args.sentence, seed=args.seed, labeler=labeler
    )
    print(json.dumps(stats))
    if stats["num_candidates"] == 0:
        raise SystemExit(f"choose_pseudo: {_nothing_to_choose(args, stats, labeled)}")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({str(k): v for k, v in pseudo.items()}, f)
    os.replace(tmp, out)
    print(f"wrote {len(pseudo)} pseudo masks of {stats['num_candidates']} candidate refs to {out}")


if __name__ == "__main__":
    main()
