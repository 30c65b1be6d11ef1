"""CRIS on SynthRef (CPU): the fully supervised model of the Pseudo-RIS table.

Per seed, each run resumable (trainings continue from their last checkpoint, finished ones and
their cached test metrics are skipped):
  full      configs/cris/cris_standin-clip_1xb16-4e_synthref.py: the SynthRef stand-in CLIP
            towers (tools/train_standins.py --out work_dirs/standins), trained on the GT masks;
  random    with --random-clip, the same network with randomly initialised CLIP towers (what
            the stand-in's image-text pre-training is worth).
Each run is validated every epoch; the checkpoint of the best val mIoU is tested once on val
and on test (testA + testB). Protocol: risseg's RefSegMetric at the original 128 px (mIoU =
mean of per-expression IoU, oIoU = cumulative intersection / union), CRIS's prediction rule
(sigmoid > 0.35 after bicubic up-sampling).

Usage:
    OMP_NUM_THREADS=1 python benchmarks/cris_synthref.py --seeds 0 [--work-dir work_dirs/cris_bench]
        [--epochs 4] [--random-clip]
Results: <work-dir>/results.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from pathlib import Path

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402

CONFIG = "configs/cris/cris_standin-clip_1xb16-4e_synthref.py"
LOADERS = ["train_dataloader.num_workers=0", "train_dataloader.persistent_workers=False"]
RANDOM_CLIP = ["model.backbone.checkpoint=None", "model.text_encoder.checkpoint=None"]
ROWS = {
    "full": "CRIS, GT masks, stand-in CLIP",
    "random": "CRIS, GT masks, random CLIP towers",
}


def best_checkpoint(run_dir: Path) -> str:
    """The best-val-mIoU checkpoint of a run (mmengine's save_best), else its last."""
    best = sorted(run_dir.glob("best_mIoU_epoch_*.pth"))
    return str(best[-1]) if best else (run_dir / "last_checkpoint").read_text().strip()


def test_metrics(ckpt: str, run_dir: Path, split: str, options: list[str]) -> dict:
    """Metrics of ``ckpt`` on ``split`` (cached in <run_dir>/<split>_metrics.json)."""
    res_file = run_dir / f"{split}_metrics.json"
    if not res_file.exists():
        opts = [f"test_dataloader.dataset.split={split}", *options]
        cmd = runner.test_command(CONFIG, ckpt, run_dir / f"test_{split}", opts)
        usage = runner.launch(cmd, run_dir / f"test_{split}.log")
        res_file.write_text(json.dumps(runner.printed_metrics(usage["output"], run_dir)))
    return json.loads(res_file.read_text())


def run(run_dir: Path, options: list[str]) -> dict:
    """Train (resumable), then val and test of the best-val checkpoint."""
    usage = runner.train_once(CONFIG, run_dir, options, "done.marker")
    if usage is not None:
        (run_dir / "train_usage.json").write_text(
            json.dumps({k: v for k, v in usage.items() if k != "output"})
        )
    (run_dir / "done.marker").touch()
    ckpt = best_checkpoint(run_dir)
    out: dict = {"checkpoint": Path(ckpt).name}
    for split in ("val", "test"):
        metrics = test_metrics(ckpt, run_dir, split, options)
        out.update({f"{split}_{k}": metrics[k] for k in ("mIoU", "oIoU")})
    usage_file = run_dir / "train_usage.json"
    if usage_file.exists():
        out["train_wall_s"] = json.loads(usage_file.read_text())["wall_s"]
    return out


def table(results: dict) -> str:
    """Markdown table: one row per (run, seed)."""
    lines = [
        "| run | seed | val mIoU | val oIoU | test mIoU | test oIoU |",
        "|---|---|---|---|---|---|",
    ]
    for seed, rows in sorted(results.items()):
        for key, res in rows.items():
            figures = " | ".join(
                f"{res[f'{s}_{m}']:.2f}" for s in ("val", "test") for m in ("mIoU", "oIoU")
            )
            lines.append(f"| {ROWS[key]} | {seed} | {figures} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="work_dirs/cris_bench")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=4, help="training epochs (config: 4)")
    parser.add_argument("--random-clip", action="store_true", help="also the random-CLIP row")
    args = parser.parse_args()
    results_file = Path(args.work_dir) / "results.json"
    results: dict = {}
    for seed in args.seeds:
        options = [f"randomness.seed={seed}", *LOADERS]
        if args.epochs != 4:  # the lr step stays at the last epoch, as in the config
            options += [
                f"train_cfg.max_epochs={args.epochs}",
                f"param_scheduler.0.milestones=[{max(args.epochs - 1, 1)}]",
                f"param_scheduler.0.end={args.epochs}",
            ]
        work = Path(args.work_dir).resolve() / f"seed{seed}"
        rows = {"full": run(work / "full", options)}
        if args.random_clip:
            rows["random"] = run(work / "random", options + RANDOM_CLIP)
        results = runner.save_results(results_file, {str(seed): rows})
    print(table(results))


if __name__ == "__main__":
    main()
