"""How much faster a config option makes the training step, timed in pairs in one process.

On a shared machine a single benchmark run varies by 10-20 %, more than many speed options
change. This script builds CONFIG twice with the same seed (so with the same weights): A with
``--a-options`` and B with ``--b-options`` (``--cfg-options`` style, e.g.
``env_cfg.channels_last=True`` or ``optim_wrapper.optimizer.fused=True``). It then times
``train_step`` on the same batches alternately for A and B, step by step, swapping the order in
every pair, so that both see the same machine load. Times are CPU seconds of this process
(``time.process_time``) at ``--threads`` intra-op threads (default 1).

Prints one JSON object: the median CPU seconds per step of A and of B, and the speed-up of B
over A as the median over pairs of time_A / time_B (robust to a slow spell that hits one
pair) and as the ratio of the mean times.

Usage:
    python benchmarks/option_speedup.py configs/seqtr/segm_synthref.py \
        --a-options optim_wrapper.optimizer.fused=False \
        --b-options optim_wrapper.optimizer.fused=True [--pairs 30] [--out result.json]
"""

from __future__ import annotations

import argparse
import os.path as osp
import statistics
import sys
import time

import torch
from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402
from flop_utilisation import batches, build_training  # noqa: E402


def paired_step_times(
    config: str,
    a_options: dict | None,
    b_options: dict | None,
    pairs: int = 30,
    warmup: int = 2,
    num_batches: int = 6,
) -> dict:
    """Per-step CPU seconds of CONFIG under options A and B, alternating on the same batches.

    Args:
        config: a risseg config with ``model``, ``optim_wrapper`` and ``train_dataloader``.
        a_options, b_options: overrides merged into the config for A and for B.
        pairs: timed (A, B) pairs, after ``warmup`` untimed ones.
        num_batches: distinct training batches, used in turn.

    Returns:
        ``a_s`` and ``b_s`` (lists of per-step CPU seconds, one per pair) and the summary figures.
    """
    a = build_training(config, a_options)
    b = build_training(config, b_options)
    a_params, b_params = list(a.model.parameters()), list(b.model.parameters())
    same = len(a_params) == len(b_params) and all(
        torch.equal(p, q) for p, q in zip(a_params, b_params, strict=True)
    )
    if not same:
        raise RuntimeError(f"{config}: A and B were built with different weights")
    data = batches(a.train_loader, num_batches)
    if not data:
        raise ValueError(f"{config}: the training data loader yields no batch")
    a.model.train()
    b.model.train()
    a_s, b_s = [], []
    for i in range(warmup + pairs):
        batch = data[i % len(data)]
        order = (("a", a), ("b", b)) if i % 2 == 0 else (("b", b), ("a", a))
        for name, setup in order:
            start = time.process_time()
            setup.train_step(batch)
            seconds = time.process_time() - start
            if i >= warmup:
                (a_s if name == "a" else b_s).append(seconds)
    return dict(
        a_s=a_s,
        b_s=b_s,
        a_median_s=statistics.median(a_s),
        b_median_s=statistics.median(b_s),
        speedup_median_of_pairs=statistics.median(x / y for x, y in zip(a_s, b_s, strict=True)),
        speedup_of_means=statistics.mean(a_s) / statistics.mean(b_s),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--a-options", nargs="+", action=DictAction, default={})
    parser.add_argument("--b-options", nargs="+", action=DictAction, default={})
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="also write the JSON object here")
    args = parser.parse_args()
    if args.a_options == args.b_options:
        parser.error("--a-options and --b-options are the same: nothing to compare")
    torch.set_num_threads(args.threads)
    result = paired_step_times(args.config, args.a_options, args.b_options, args.pairs)
    runner.print_json(
        dict(
            config=args.config,
            torch=torch.__version__,
            threads=torch.get_num_threads(),
            a_options=args.a_options,
            b_options=args.b_options,
            pairs=args.pairs,
            **result,
        ),
        args.out,
    )


if __name__ == "__main__":
    main()
