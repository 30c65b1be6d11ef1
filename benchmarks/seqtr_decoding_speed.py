"""CPU time and FLOPs of a SeqTR config's greedy decoding (the head's forward), and its tokens.

Builds CONFIG's model with random weights (seed 0; missing checkpoint paths dropped), runs the
backbone, text encoder and neck once on a synthetic batch (benchmarks/model_speed.py), then times
the head's greedy decoding (``model.head(feats, samples)``) alone at 1 thread (best CPU time of
``--repeats``, ``time.process_time``) and counts its FLOPs (``FlopCounterMode``). The tokens are
saved to ``--tokens`` so that two checkouts can be compared, e.g. before and after a change
to the decoder:

    (cd OLD && PYTHONPATH=$PWD python benchmarks/seqtr_decoding_speed.py CFG --batch 64 \
        --tokens /tmp/old.pt)
    python benchmarks/seqtr_decoding_speed.py CFG --batch 64 --tokens /tmp/new.pt
    python -c "import torch; print(torch.equal(*map(torch.load, ['/tmp/old.pt', '/tmp/new.pt'])))"

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from model_speed import synthetic_batch, text_length  # noqa: E402

from risseg.testing import build_without_checkpoints  # noqa: E402


def measure(config: str, batch: int, size: int, repeats: int = 5) -> tuple[dict, torch.Tensor]:
    """Best CPU seconds and GFLOP of the head's decoding on a batch; returns (figures, tokens)."""
    torch.set_num_threads(1)
    cfg, model, _ = build_without_checkpoints(config)
    model.eval()
    data = synthetic_batch(batch, (size, size), text_length(cfg), seed=1)
    with torch.no_grad():
        data = model.data_preprocessor(data, False)
        samples = data["data_samples"]
        feats = model.extract_feat(data["inputs"], samples)
        tokens = model.head(feats, samples)  # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.process_time()
            tokens = model.head(feats, samples)
            best = min(best, time.process_time() - start)
        with FlopCounterMode(display=False) as counter:
            model.head(feats, samples)
    figures = dict(
        config=config,
        batch=batch,
        size=size,
        threads=1,
        predict_cpu_s=best,
        predict_gflop=counter.get_total_flops() / 1e9,
    )
    return figures, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=128, help="square input side")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens", help="save the predicted tokens (torch.save) here")
    args = parser.parse_args()
    figures, tokens = measure(args.config, args.batch, args.size, args.repeats)
    if args.tokens:
        torch.save(tokens, args.tokens)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
