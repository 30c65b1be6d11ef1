"""Train and evaluate the SynthRef baseline; write a JSON and a markdown summary.

    python benchmarks/baseline_synthref.py [--config configs/baseline/segm_synthref.py]
        [--work-dir work_dirs/bench_baseline] [--out docs/benchmarks/baseline_synthref]
        [--cfg-options ...]

Measures wall time of training (no validation inside), training images/s, then evaluates the
final weights on val and test (every sentence of every ref, masks compared at the original
image resolution by RefSegMetric). Figures depend on the machine and its load: the summary
records both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import risseg.engine  # noqa: F401  (safe checkpoint loading)

ROOT = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs/baseline/segm_synthref.py"))
    parser.add_argument("--work-dir", default="work_dirs/bench_baseline_synthref")
    parser.add_argument(
        "--out",
        default=str(ROOT / "docs/benchmarks/baseline_synthref"),
        help="output path without suffix (.json and .md are written)",
    )
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    return parser.parse_args()


def evaluate(cfg: Config, checkpoint: str, split: str) -> tuple[dict, float]:
    """Metrics and seconds of the test loop on ``split`` with the weights of ``checkpoint``."""
    cfg = cfg.copy()
    cfg.test_dataloader.dataset.split = split
    cfg.load_from = checkpoint
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    metrics = runner.test()
    return metrics, time.perf_counter() - start


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir
    max_epochs = cfg.train_cfg.max_epochs
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=max_epochs)
    train_cfg = cfg.copy()
    # No validation inside the timed training: val and test are evaluated (and timed) below.
    train_cfg.val_cfg = train_cfg.val_dataloader = train_cfg.val_evaluator = None

    runner = Runner.from_cfg(train_cfg)
    start = time.perf_counter()
    runner.train()
    train_s = time.perf_counter() - start
    images = runner.iter * cfg.train_dataloader.batch_size * runner.world_size

    checkpoint = os.path.join(cfg.work_dir, f"epoch_{max_epochs}.pth")
    results = {}
    for split in ("val", "test"):
        metrics, seconds = evaluate(cfg, checkpoint, split)
        results[split] = dict(metrics=metrics, seconds=round(seconds, 1))

    summary = dict(
        config=os.path.relpath(args.config, ROOT),
        cfg_options=args.cfg_options or {},
        epochs=max_epochs,
        iterations=runner.iter,
        batch_size=cfg.train_dataloader.batch_size,
        train_seconds=round(train_s, 1),
        train_images_per_s=round(images / train_s, 1),
        eval=results,
        protocol="every sentence of every ref; masks at original resolution; "
        "IoU standard (I/U, 0 when U=0); mIoU = mean IoU, oIoU = sum I / sum U",
        machine=dict(
            cpu_count=os.cpu_count(),
            torch_threads=torch.get_num_threads(),
            load_avg_1m_at_end=round(os.getloadavg()[0], 2),
            python=platform.python_version(),
            torch=torch.__version__,
        ),
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    rows = "\n".join(
        f"| {split} | {r['metrics']['mIoU']:.2f} | {r['metrics']['oIoU']:.2f} | "
        f"{r['metrics'].get('prec@0.5', float('nan')):.2f} | {r['metrics'].get('num_samples', '')} "
        f"| {r['seconds']} |"
        for split, r in results.items()
    )
    options = "".join(f" {k}={v}" for k, v in summary["cfg_options"].items())
    options = f" --cfg-options{options}" if options else ""
    out.with_suffix(".md").write_text(
        f"# SynthRef baseline ({summary['config']})\n\n"
        f"Command: `python benchmarks/baseline_synthref.py{options}`\n\n"
        f"Training: {summary['epochs']} epochs, {summary['iterations']} iterations of batch "
        f"{summary['batch_size']} in {summary['train_seconds']} s "
        f"({summary['train_images_per_s']} images/s); {summary['machine']['cpu_count']} CPU cores, "
        f"{summary['machine']['torch_threads']} torch thread(s), "
        f"load average {summary['machine']['load_avg_1m_at_end']} at the end.\n\n"
        "| split | mIoU | oIoU | prec@0.5 | samples | eval s |\n|---|---|---|---|---|---|\n"
        f"{rows}\n\n"
        f"Protocol: {summary['protocol']}.\n"
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
