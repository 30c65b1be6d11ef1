"""FLOPs and parameters of a config's model for one image and one sentence.

    python tools/analysis/get_flops.py CONFIG [--size 480] [--mode test|loss] [--cfg-options ...]

Builds the model with random weights (checkpoint paths missing here are dropped, as
``benchmarks/model_speed.py`` does), makes one synthetic sample as the data loader yields it
(a uint8 image at the config's training frame, from its ``Resize`` / ``LargeScaleJitter``, or
``--size``; a sentence of the tokenizer's length) and counts with
``torch.utils.flop_counter.FlopCounterMode`` (matmuls and convolutions; one multiply-add is 2
FLOPs) the model's ``test_step`` (preprocessing and prediction, the default) or, with ``--mode
loss``, one training forward + backward. Prints a table per top-level part (backbone,
text_encoder, neck, head, ...) and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

import torch
from mmengine.config import DictAction
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), "..", "..", "benchmarks"))
from model_speed import synthetic_batch, text_length, train_size  # noqa: E402

from risseg.testing import build_without_checkpoints  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="FLOPs and parameters of a model")
    parser.add_argument("config")
    parser.add_argument(
        "--size", type=int, help="square input side (default: the config's training frame)"
    )
    parser.add_argument(
        "--mode",
        choices=("test", "loss"),
        default="test",
        help="count test_step (default) or a training forward + backward",
    )
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, help="override config entries"
    )
    return parser.parse_args()


def part_flops(counts: dict[str, dict], root: str, names: list[str]) -> dict[str, int]:
    """FLOPs of each top-level part ``root.<name>`` of the model (0 for a part without any).

    A part called through a method other than ``forward`` (a head's ``predict``) is not in
    ``counts`` itself; its FLOPs are then the sum over its submodules that are.
    """
    totals = {name: sum(ops.values()) for name, ops in counts.items()}

    def flops(name: str) -> int:
        if name in totals:
            return totals[name]
        children = {
            n[: n.index(".", len(name) + 1)] if "." in n[len(name) + 1 :] else n
            for n in totals
            if n.startswith(name + ".")
        }
        return sum(flops(child) for child in children)

    return {name: flops(f"{root}.{name}") for name in names}


def count(
    config: str, size: int | None = None, mode: str = "test", cfg_options: dict | None = None
) -> dict:
    """FLOPs of one (image, sentence) sample and the parameters of CONFIG's model.

    Returns:
        ``input`` [3, H, W], ``text_length``, ``mode``, ``gflops`` (total), ``parts``
        {part name: GFLOPs}, ``params_m`` (millions, all parameters) and ``dropped`` (the
        checkpoint paths that were not loaded).
    """
    cfg, model, dropped = build_without_checkpoints(config, cfg_options)
    side = size if size is not None else train_size(cfg)[0]
    length = text_length(cfg)
    batch = synthetic_batch(1, (side, side), length, seed=0)
    with FlopCounterMode(display=False, depth=2) as counter:
        if mode == "test":
            model.eval()
            with torch.no_grad():
                model.test_step(batch)
        else:
            model.train()
            data = model.data_preprocessor(batch, True)
            losses = model(**data, mode="loss")
            sum(v.sum() for k, v in losses.items() if k.startswith("loss")).backward()
    total = counter.get_total_flops()
    parts = part_flops(
        counter.get_flop_counts(),
        type(model).__name__,
        [name for name, _ in model.named_children()],
    )
    if total > sum(parts.values()):
        parts["other"] = total - sum(parts.values())  # ops outside any part's forward
    parts = {name: flops / 1e9 for name, flops in parts.items()}
    return dict(
        input=[3, side, side],
        text_length=length,
        mode=mode,
        gflops=total / 1e9,
        parts=parts,
        params_m=sum(p.numel() for p in model.parameters()) / 1e6,
        dropped=dropped,
    )


def main() -> dict:
    args = parse_args()
    result = count(args.config, args.size, args.mode, args.cfg_options)
    print(f"{'input':<16}{tuple(result['input'])}, {result['text_length']} tokens")
    for name, gflops in result["parts"].items():
        print(f"  {name:<18}{gflops:8.3f} GFLOPs")
    print(f"{'total':<20}{result['gflops']:8.3f} GFLOPs ({result['mode']})")
    print(f"{'parameters':<20}{result['params_m']:8.3f} M")
    if result["dropped"]:
        print(f"random weights instead of: {', '.join(result['dropped'])}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
