"""Batch norm in training by memory layout and width, and a DarkNet backbone eager vs compiled.

For the SeqTR SynthRef config's DarkNet (1/8 width: 4 channels at 128 x 128, then 8 at 64 x 64,
...), on the CPU at ``--threads`` threads (default 1), CPU milliseconds (best of ``--reps``) of:

- ``aten.native_batch_norm`` (training) and its backward on a (batch, C, H, W) tensor stored
  NCHW and channels-last, for each (C, H) of the backbone's first stages: the per-element cost of
  the channels-last kernel rises steeply below 8 channels;
- ``channels_last_round_trip``: ``nn.BatchNorm2d`` forward + backward on a channels-last map,
  directly and in NCHW with the layout conversions there and back (what keeping a narrow layer's
  batch norm in NCHW inside a channels-last network would cost);
- the config's backbone, channels-last, forward + backward on a random batch, eager and after
  ``torch.compile`` (compiling time excluded), the two timed alternately.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/batch_norm_layouts.py [--config CONFIG] [--batch 32]
Prints one JSON object (docs/benchmarks/cpu_utilisation.md).
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
import time
from collections.abc import Callable

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402

from risseg.testing import build_without_checkpoints  # noqa: E402

SHAPES = ((4, 128), (8, 64), (16, 32), (64, 8))  # (channels, side) of DarkNet at 1/8 width


def best_cpu_ms(fn: Callable[[], object], reps: int) -> float:
    """Fastest of ``reps`` calls of ``fn`` (after one warm-up), in CPU milliseconds."""
    fn()
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best * 1e3


def batch_norm_ms(batch: int, channels: int, side: int, channels_last: bool, reps: int) -> dict:
    """Forward and backward CPU ms of training batch norm on a (batch, channels, side, side) map."""
    x = torch.randn(batch, channels, side, side)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    grad = torch.randn_like(x)
    weight, bias = torch.ones(channels), torch.zeros(channels)
    mean, var = torch.zeros(channels), torch.ones(channels)
    args = (x, weight, bias, mean, var, True, 0.1, 1e-5)
    _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(*args)
    return dict(
        forward_ms=best_cpu_ms(lambda: torch.ops.aten.native_batch_norm(*args), reps),
        backward_ms=best_cpu_ms(
            lambda: torch.ops.aten.native_batch_norm_backward(
                grad, x, weight, mean, var, save_mean, save_invstd, True, 1e-5, [True] * 3
            ),
            reps,
        ),
    )


def round_trip_ms(batch: int, channels: int, side: int, reps: int) -> dict:
    """Forward + backward CPU ms (autograd) of training batch norm on a channels-last map, run
    directly and run in NCHW with the conversions there and back (``via_nchw_ms``)."""
    x = torch.randn(batch, channels, side, side).contiguous(memory_format=torch.channels_last)
    x.requires_grad_(True)
    grad = torch.randn_like(x)
    norm = torch.nn.BatchNorm2d(channels)

    def direct() -> None:
        norm(x).backward(grad)

    def via_nchw() -> None:
        norm(x.contiguous()).contiguous(memory_format=torch.channels_last).backward(grad)

    return dict(direct_ms=best_cpu_ms(direct, reps), via_nchw_ms=best_cpu_ms(via_nchw, reps))


def backbone_ms(config: str, batch: int, reps: int) -> dict:
    """Forward + backward CPU ms of CONFIG's backbone (channels-last) on a random (batch, 3, 128,
    128) batch, SynthRef's image size, eager and compiled (best of ``reps`` each)."""
    backbone = build_without_checkpoints(config)[1].backbone.train()
    backbone.to(memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 128, 128).contiguous(memory_format=torch.channels_last)

    def step(module: torch.nn.Module) -> None:
        sum(out.mean() for out in module(x)).backward()

    compiled = torch.compile(backbone)
    step(compiled)  # compiles
    best = dict(eager_ms=float("inf"), compiled_ms=float("inf"))
    for _ in range(reps):  # interleaved, so that both see the same machine load
        for key, module in (("eager_ms", backbone), ("compiled_ms", compiled)):
            best[key] = min(best[key], best_cpu_ms(lambda m=module: step(m), 1))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/seqtr/segm_synthref.py")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="also write the JSON object here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    norms = {
        f"{channels}x{side}x{side}": {
            **{
                layout: batch_norm_ms(
                    args.batch, channels, side, layout == "channels_last", args.reps
                )
                for layout in ("nchw", "channels_last")
            },
            "channels_last_round_trip": round_trip_ms(args.batch, channels, side, args.reps),
        }
        for channels, side in SHAPES
    }
    runner.print_json(
        dict(
            torch=torch.__version__,
            threads=torch.get_num_threads(),
            batch=args.batch,
            batch_norm=norms,
            backbone=dict(config=args.config, **backbone_ms(args.config, args.batch, args.reps)),
        ),
        args.out,
    )


if __name__ == "__main__":
    main()
