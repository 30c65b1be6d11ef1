"""Pretrain a toy LAVT's Swin and BERT on a separate SynthRef corpus, without any mask.

The SynthRef stand-in for the ImageNet-22k Swin and the pretrained BERT of real LAVT runs
(docs/methods/semires.md): a corpus generated with another seed than the benchmark; the Swin
stages learn which shapes and colours an image shows, the BERT learns masked-word prediction
on the corpus's expressions. Resumable: re-running continues after the last finished epoch.

Usage:
    python tools/pretrain_synthref_encoders.py configs/lavt/lavt_tiny_synthref.py \
        --corpus data/synthref_pretrain --out work_dirs/synthref_pretrain
then train with
    --cfg-options model.backbone.pretrained=work_dirs/synthref_pretrain/swin.pth \
        model.text_encoder.pretrained=work_dirs/synthref_pretrain/bert
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction

from risseg.apis import pretrain_bert, pretrain_swin
from risseg.datasets.synthref import ensure_synthref, generate_synthref
from risseg.registry import MODELS, TOKENIZERS
from risseg.utils import register_all_modules


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="a toy LAVT config (its backbone, text encoder, tokenizer)")
    parser.add_argument(
        "--corpus",
        default="data/synthref_pretrain",
        help="SynthRef corpus folder; generated when missing",
    )
    parser.add_argument(
        "--corpus-seed",
        type=int,
        default=1,
        help="generator seed of the corpus (must differ from the benchmark's)",
    )
    parser.add_argument("--preset", default="default")
    parser.add_argument("--out", default="work_dirs/synthref_pretrain")
    parser.add_argument("--swin-epochs", type=int, default=60)
    parser.add_argument("--bert-epochs", type=int, default=60)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    bench = cfg.train_dataloader.dataset  # the benchmark's SynthRef
    if bench.get("seed") is not None and bench.get("seed") == args.corpus_seed:
        raise ValueError(
            f"--corpus-seed {args.corpus_seed} equals the benchmark's SynthRef seed: the "
            "pretraining corpus must not contain the benchmark's images."
        )
    if not osp.isdir(args.corpus):
        generate_synthref(args.corpus, preset=args.preset, seed=args.corpus_seed)
    if bench.get("type") == "SynthRefDataset":
        # the tokenizer reads the vocabulary of the config's own SynthRef: make that first
        ensure_synthref(
            bench.get("data_root", "data/synthref"),
            bench.get("preset", "default"),
            bench.get("seed", 0),
        )
    tokenizer = TOKENIZERS.build(cfg.tokenizer)  # before the Swin epochs: fail fast
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    pre = cfg.model.data_preprocessor
    swin_log = pretrain_swin(
        MODELS.build(cfg.model.backbone),
        args.corpus,
        osp.join(args.out, "swin.pth"),
        mean=tuple(pre.mean),
        std=tuple(pre.std),
        epochs=args.swin_epochs,
        seed=args.seed,
    )
    bert_log = pretrain_bert(
        dict(cfg.model.text_encoder.config),
        tokenizer,
        tokenizer.vocab_size,
        args.corpus,
        osp.join(args.out, "bert"),
        max_length=cfg.get("max_length", 16),
        epochs=args.bert_epochs,
        seed=args.seed,
    )
    with open(osp.join(args.out, "pretrain_log.json"), "w", encoding="utf-8") as f:
        json.dump(
            dict(corpus=args.corpus, corpus_seed=args.corpus_seed, swin=swin_log, bert=bert_log),
            f,
            indent=1,
        )
    print(f"Swin: {osp.join(args.out, 'swin.pth')} (last: {swin_log[-1]})")
    print(f"BERT: {osp.join(args.out, 'bert')} (last: {bert_log[-1]})")


if __name__ == "__main__":
    main()
