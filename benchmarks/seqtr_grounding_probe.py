"""Does a SeqTR config learn to ground? A short training run that tracks the first point.

Trains a SeqTR config (default: configs/seqtr/segm_synthref.py) for ``--iters`` iterations of
Adam (amsgrad, betas 0.9/0.98, the config's gradient clipping, linear warm-up over
``--warmup`` iterations) on either the whole train split or its first ``--subset`` items
(an overfitting check), and every ``--every`` iterations greedily decodes ``--num-eval``
samples and prints:

* ``uniq_first``: how many distinct first points (x, y tokens) the model predicts;
* ``first_L1``: mean |predicted - GT| of the first two tokens, next to the L1 of the best
  constant guess (the per-coordinate median of the GT), i.e. the data prior;
* ``mIoU``: of the decoded polygons (original resolution), only when evaluating on val;
* ``dense-IoU``: with ``model.head.dense_loss_weight > 0``, the IoU of the dense auxiliary
  map (logit > 0) with the cells that are more than half covered by the referent.

``--first-only`` trains on the first two tokens alone (is localisation learnable at all,
without the shape-prior tokens diluting the loss?). Single process, CPU friendly:

    OMP_NUM_THREADS=1 python benchmarks/seqtr_grounding_probe.py --subset 64 --iters 101 \
        --eval-split train
    OMP_NUM_THREADS=1 python benchmarks/seqtr_grounding_probe.py --iters 401
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import risseg  # noqa: F401  (registers everything)
from risseg.evaluation.metrics.ref_seg_metric import mask_iou
from risseg.registry import DATASETS, MODELS


class FirstTokensOnly(torch.nn.Module):
    """Wrap a token loss so that only the first two tokens (the first point) count."""

    def __init__(self, loss: torch.nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, logits, targets, weight=None, avg_factor=None):  # noqa: D102
        weight = torch.ones_like(targets, dtype=torch.float) if weight is None else weight.clone()
        weight[:, 2:] = 0
        return self.loss(logits, targets, weight, avg_factor=weight.shape[0] * 2)


def evaluate(model, items: list, with_iou: bool) -> dict:
    """Greedy decoding on ``items``; first-point statistics and (optionally) mIoU."""
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(pseudo_collate(items), False)
        feats = model.extract_feat(data["inputs"], data["data_samples"])
        tokens = model.head(feats, data["data_samples"])  # (B, 2N + 1)
        gt = model.head.targets.point_tokens(data["data_samples"], tokens.device)  # (B, 2N)
        samples = model.predict(data["inputs"], data["data_samples"]) if with_iou else []
        dense_iou = float("nan")
        if getattr(model.head, "dense_pred", None) is not None:
            enc = model.head.encode(feats, data["data_samples"])
            pred = enc["dense_logits"] > 0  # (B, h, w)
            target, valid = model.head.dense_pred.targets(
                data["data_samples"], enc["feat_shape"], pred.device
            )
            target = target[:, 0] > 0.5
            cells = [mask_iou(p, t)[2] for p, t, v in zip(pred, target, valid, strict=True) if v]
            dense_iou = 100 * float(np.mean(cells)) if cells else float("nan")
    median = gt[:, :2].float().median(0).values
    ious = []
    for sample in samples:
        ious.append(mask_iou(sample.pred_mask.data[0].bool(), sample.gt_mask.data[0].bool())[2])
    return dict(
        uniq_first=len({tuple(t) for t in tokens[:, :2].tolist()}),
        first_l1=(tokens[:, :2] - gt[:, :2]).abs().float().mean().item(),
        prior_l1=(median - gt[:, :2]).abs().float().mean().item(),
        miou=100 * float(np.mean(ious)) if ious else float("nan"),
        dense_iou=dense_iou,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/seqtr/segm_synthref.py")
    parser.add_argument("--iters", type=int, default=401)
    parser.add_argument("--lr", type=float, default=None, help="default: the config's lr")
    parser.add_argument("--warmup", type=int, default=210, help="linear warm-up from lr / 6")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--subset", type=int, default=0, help="train on the first N items")
    parser.add_argument("--first-only", action="store_true")
    parser.add_argument("--eval-split", choices=("train", "val"), default="val")
    parser.add_argument("--num-eval", type=int, default=128)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, default={})
    args = parser.parse_args()

    torch.set_num_threads(1)
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    init_default_scope("risseg")
    torch.manual_seed(args.seed)
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    pool = range(args.subset) if args.subset else range(len(train_set))
    cached = {i: train_set[i] for i in pool} if args.subset else None
    if args.eval_split == "train":
        eval_items = [train_set[i] for i in list(pool)[: args.num_eval]]
    else:
        val_set = DATASETS.build(cfg.val_dataloader.dataset)
        step = max(1, len(val_set) // args.num_eval)
        eval_items = [val_set[i] for i in range(0, len(val_set), step)][: args.num_eval]

    model = MODELS.build(cfg.model)
    if args.first_only:
        model.head.loss_token = FirstTokensOnly(model.head.loss_token)
    lr = args.lr or cfg.optim_wrapper.optimizer.lr
    clip = (cfg.optim_wrapper.get("clip_grad") or {}).get("max_norm", float("inf"))
    params = [p for p in model.parameters() if p.requires_grad]
    total = sum(p.numel() for p in model.parameters())
    print(
        f"trainable {sum(p.numel() for p in params)} / {total} params; lr {lr}; clip {clip}",
        flush=True,
    )
    optimizer = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.98), eps=1e-9, amsgrad=True)
    gen = torch.Generator().manual_seed(args.seed + 1)
    start = time.time()
    for it in range(args.iters):
        model.train()
        idx = torch.randint(len(pool), (args.batch_size,), generator=gen).tolist()
        batch = [cached[pool[i]] if cached else train_set[pool[i]] for i in idx]
        data = model.data_preprocessor(pseudo_collate(batch), True)
        loss = sum(model(**data, mode="loss").values())
        optimizer.zero_grad()
        loss.backward()
        norms = {
            name: torch.nn.utils.clip_grad_norm_(getattr(model, name).parameters(), float("inf"))
            for name in ("backbone", "text_encoder", "neck", "head")
        }
        torch.nn.utils.clip_grad_norm_(params, clip)
        for group in optimizer.param_groups:
            group["lr"] = lr * min(1.0, 1 / 6 + 5 / 6 * it / max(args.warmup, 1))
        optimizer.step()
        if it % args.every == 0 or it == args.iters - 1:
            stats = evaluate(model, eval_items, with_iou=args.eval_split == "val")
            grads = " ".join(f"{k}:{v:.3f}" for k, v in norms.items())
            print(
                f"it {it} loss {loss.item():.3f} grad-norm [{grads}] "
                f"{args.eval_split} uniq_first {stats['uniq_first']}/{len(eval_items)} "
                f"first_L1 {stats['first_l1']:.1f} (prior {stats['prior_l1']:.1f}) "
                f"mIoU {stats['miou']:.1f} dense-IoU {stats['dense_iou']:.1f} "
                f"{time.time() - start:.0f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
