"""How good are the targets S+S+C's Correct stage trains on? mIoU / oIoU against the truth.

Usage:
    python tools/analysis/ssc_assignment_quality.py CONFIG CHECKPOINT [--max-items N]

``CONFIG`` is a Correct config (e.g. configs/ssc/lavt_tiny_synthref-greedy-ce.py: its
``pseudo_file`` holds the Segment candidates); ``CHECKPOINT`` the model whose foreground
probabilities drive ``greedy_ce`` (the ``random_ce`` model when the greedy stage starts). The
training refs go through the training pipeline (one sentence per ref, images grouped, no
shuffle), the model's own ``assign`` picks each item's candidate, and the picked mask is
compared with the ref's ground-truth mask, which training never reads. Items whose assignment
is None count as empty masks. Prints one JSON line: ``mIoU``, ``oIoU`` (percent), ``items``,
``unassigned``, and ``argmax_mIoU`` (each item's own best-scoring candidate, no constraint).
"""

from __future__ import annotations

import argparse
import json

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint

from risseg.models.losses.ssc_matching import soft_iou
from risseg.registry import MODELS


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("--max-items", type=int, default=None, help="stop after N items")
    p.add_argument("--loss-mode", default="greedy_ce", choices=("greedy_ce", "random_ce"))
    p.add_argument("--cfg-options", nargs="+", action=DictAction, default={})
    return p.parse_args()


def _gt_pipeline(pipeline: list) -> list:
    """The training pipeline with the ground truth loaded (for measurement only)."""
    out = []
    for t in pipeline:
        if t["type"] == "Resize":
            out.append(dict(type="LoadReferAnnotations"))
        out.append(t)
    return out


def assignment_quality(cfg: Config, checkpoint: str, max_items: int | None = None) -> dict:
    """mIoU / oIoU of the candidates the model assigns, against the truth (see module doc)."""
    init_default_scope(cfg.get("default_scope", "risseg"))
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.dataset.pipeline = _gt_pipeline(loader_cfg.dataset.pipeline)
    loader_cfg.sampler = dict(type="ImageGroupedSampler", shuffle=False, seed=0)
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location="cpu")
    model.eval()
    ious, argmax_ious, inter_sum, union_sum, unassigned, n = [], [], 0, 0, 0, 0
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, training=True)
            samples = data["data_samples"]
            feats = model.extract_feat(data["inputs"], samples)
            fg = model.head.seg_probs(feats, samples)[:, 1]
            choice, cands = model.assign(samples, fg)
            for s, c, k, p in zip(samples, cands, choice, fg, strict=True):
                gt = s.gt_mask.data[0].bool()
                gt = torch.nn.functional.pad(
                    gt, (0, c.shape[-1] - gt.shape[-1], 0, c.shape[-2] - gt.shape[-2])
                )
                pick = c[k] if k is not None else torch.zeros_like(gt)
                unassigned += k is None
                inter, union = int((pick & gt).sum()), int((pick | gt).sum())
                ious.append(inter / max(union, 1))
                inter_sum, union_sum = inter_sum + inter, union_sum + union
                if len(c):
                    best = c[int(soft_iou(p, c).argmax())]
                    argmax_ious.append(int((best & gt).sum()) / max(int((best | gt).sum()), 1))
                else:
                    argmax_ious.append(0.0)
                n += 1
            if max_items and n >= max_items:
                break
    return dict(
        mIoU=100 * sum(ious) / max(len(ious), 1),
        oIoU=100 * inter_sum / max(union_sum, 1),
        argmax_mIoU=100 * sum(argmax_ious) / max(len(argmax_ious), 1),
        items=n,
        unassigned=unassigned,
    )


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    cfg.model.setdefault("train_cfg", {})["loss_mode"] = args.loss_mode
    print(json.dumps(assignment_quality(cfg, args.checkpoint, args.max_items)))


if __name__ == "__main__":
    main()
