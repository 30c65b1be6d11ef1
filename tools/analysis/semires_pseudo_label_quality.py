"""How good are a SemiRES teacher's pseudo labels on the unlabeled train refs? (oracle check)

    python tools/analysis/semires_pseudo_label_quality.py CONFIG CHECKPOINT \
        [--num-refs 1000] [--out quality.json]

CONFIG is a SemiRES config (its unlabeled train dataset, proposals and teacher) and CHECKPOINT
either a SemiRES checkpoint (its teacher is used) or a LAVT burn-in checkpoint (the teacher at
the start of SemiRES). For each of the first ``--num-refs`` unlabeled refs (one sentence each,
as in training, weak view = no augmentation) it compares with the *true* mask, which training
never reads: the teacher's mask (p_fg > 0.5), its IOM and CPI refinements with the stored
proposals, and the proposal with the highest mean teacher probability. Per kind it prints the
mean IoU and the share of refs with IoU > 0.5 (the right object, roughly), and how that share
changes when only the most confident teacher predictions are kept (mean p_fg inside the mask).
The teacher is run as in training, so ``--cfg-options model.teacher_all_sentences=True``
measures the teacher that averages over every sentence of the ref.
"""

from __future__ import annotations

import argparse
import json
import random

import numpy as np
import torch
from mmengine.config import Config, DictAction

from risseg.engine.checkpoint import load_local_checkpoint
from risseg.evaluation.metrics.ref_seg_metric import mask_iou
from risseg.labelers.sam_refine import refine_batch
from risseg.models.utils import build
from risseg.registry import DATASETS
from risseg.utils import register_all_modules


def _iou(a: torch.Tensor, b: torch.Tensor) -> float:
    return mask_iou(a, b)[2]  # the metric's IoU; 0 when both masks are empty


def unlabeled_dataset_cfg(cfg: Config) -> dict:
    """The config's unlabeled train dataset, made to load the true masks as well."""
    datasets = cfg.train_dataloader.dataset.get("datasets")
    if not datasets:
        raise ValueError("CONFIG has no semi-supervised ConcatDataset: is it a SemiRES config?")
    unlabeled = [d for d in datasets if "none" in d.get("keep_supervision", [])]
    if not unlabeled:
        raise ValueError("CONFIG has no dataset with keep_supervision=['none'].")
    return dict(unlabeled[0])


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("checkpoint")
    parser.add_argument("--num-refs", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0, help="which sentence each ref shows")
    parser.add_argument("--out", help="write the figures as JSON")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    args = parser.parse_args()
    register_all_modules()
    random.seed(args.seed)  # SelectSentence draws with Python's random
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ds = unlabeled_dataset_cfg(cfg)
    # which refs are unlabeled comes from the supervision file; then load everything (masks too)
    unlabeled = DATASETS.build(dict(ds, pipeline=[]))
    ref_ids = {unlabeled.get_data_info(i)["ref_id"] for i in range(len(unlabeled))}
    ds["keep_supervision"] = ["mask", "box", "none"]
    ds.pop("supervision_file", None)
    full = DATASETS.build(ds)
    indices = [i for i in range(len(full)) if full.get_data_info(i)["ref_id"] in ref_ids]
    indices = indices[: args.num_refs]
    if not indices:
        raise ValueError("No unlabeled refs found.")

    model = build(cfg.model.to_dict())
    teacher = model.teacher
    state = load_local_checkpoint(args.checkpoint, map_location="cpu")
    state = state.get("state_dict", state)
    # a SemiRES checkpoint holds 'teacher.*' keys; a burn-in (LAVT) one is the teacher itself
    target = model if any(k.startswith("teacher.") for k in state) else teacher
    state = {k: v for k, v in state.items() if not k.startswith("data_preprocessor.")}
    missing, unexpected = target.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(("student.", "data_preprocessor."))]
    if missing or unexpected:
        raise KeyError(
            f"{args.checkpoint} does not fit the config's model: missing "
            f"{missing[:3]}, unexpected {unexpected[:3]}"
        )
    pre = model.data_preprocessor
    rows = []
    with torch.no_grad():
        for start in range(0, len(indices), args.batch_size):
            items = [full[i] for i in indices[start : start + args.batch_size]]
            data = pre(
                dict(
                    inputs=[b["inputs"] for b in items],
                    data_samples=[b["data_samples"] for b in items],
                ),
                False,
            )
            samples = data["data_samples"]
            prob = model.teacher_probs(data["inputs"], samples)[:, 1]  # (B, H, W)
            hard = prob > 0.5
            props = [s.proposals.data.bool() for s in samples]
            refined = {k: refine_batch(hard, props, k) for k in ("iom", "cpi")}
            for b, s in enumerate(samples):
                gt = s.gt_mask.data[0].bool()
                h, w = gt.shape
                p, mask = prob[b, :h, :w], hard[b, :h, :w]
                scores = [p[m[:h, :w]].mean().item() if m.any() else 0.0 for m in props[b]]
                top = props[b][int(np.argmax(scores))][:h, :w] if scores else mask
                rows.append(
                    dict(
                        teacher=_iou(mask, gt),
                        iom=_iou(refined["iom"][0][b, :h, :w], gt),
                        cpi=_iou(refined["cpi"][0][b, :h, :w], gt),
                        top_proposal=_iou(top, gt),
                        iom_matched=bool(refined["iom"][1][b]),
                        cpi_matched=bool(refined["cpi"][1][b]),
                        confidence=p[mask].mean().item() if mask.any() else 0.0,
                    )
                )
    kinds = ("teacher", "iom", "cpi", "top_proposal")
    conf = np.array([r["confidence"] for r in rows])
    result = dict(
        refs=len(rows),
        checkpoint=args.checkpoint,
        matched=dict(
            iom=float(np.mean([r["iom_matched"] for r in rows])),
            cpi=float(np.mean([r["cpi_matched"] for r in rows])),
        ),
    )
    for kind in kinds:
        v = np.array([r[kind] for r in rows])
        result[kind] = dict(mIoU=100 * float(v.mean()), prec_at_0_5=100 * float((v > 0.5).mean()))
    result["cpi_prec_by_confidence"] = {}
    for share in (1.0, 0.5, 0.25, 0.1):
        keep = conf >= np.quantile(conf, 1 - share)
        v = np.array([r["cpi"] for r in rows])[keep]
        key = f"top_{int(share * 100)}pct"
        result["cpi_prec_by_confidence"][key] = 100 * float((v > 0.5).mean())
    print(f"{len(rows)} unlabeled refs (one sentence each), IoU with the true mask x100:")
    for kind in kinds:
        print(
            f"  {kind:13s} mIoU {result[kind]['mIoU']:6.2f}  IoU>0.5 "
            f"{result[kind]['prec_at_0_5']:6.2f}%"
        )
    print(
        f"  matched: IOM {100 * result['matched']['iom']:.1f}%, "
        f"CPI {100 * result['matched']['cpi']:.1f}%"
    )
    print(
        "  CPI IoU>0.5 among the most confident teacher masks: "
        + ", ".join(f"{k} {v:.1f}%" for k, v in result["cpi_prec_by_confidence"].items())
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
