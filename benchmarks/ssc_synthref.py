"""S+S+C on SynthRef: Segment, Select and Correct against fully supervised LAVT, one table.

Rows (mIoU / oIoU, percent):

* Segment-best: the best of each train ref's Segment candidates vs its GT (upper bound of any
  choice); Segment-fullexpr-best: the same for the SAM 3-style variant (no SAM 3 stand-in: the
  stand-in detector + SAM prompted with the full expressions, configs/ssc/
  segment_fullexpr_synthref.py);
* Select-reverse_blur / Select-random: the chosen train masks vs GT;
* Correct-random_ce / Correct-greedy_ce: the toy LAVT trained on Select masks, then from it on
  all Segment candidates (no GT mask), on the test split;
* Full: the same toy LAVT with the GT masks, the same epochs, on the test split.

The Segment and Select rows are measured once (train refs); the training rows per seed. Every
stage resumes (the labelling drivers skip labelled refs, training resumes from its last
checkpoint, finished runs are skipped). Needs the SynthRef stand-ins (tools/train_standins.py
--out work_dirs/standins).

Usage:
    python benchmarks/ssc_synthref.py [--seeds 0 1 2] [--epochs 2] [--out work_dirs/ssc_bench]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402

ROOT = runner.ROOT
CFG = ROOT / "configs" / "ssc"
FULL = ROOT / "configs" / "lavt" / "lavt_tiny_synthref.py"


def _label(tool: str, config: Path, out: Path, options: list[str]) -> None:
    """A labelling stage unless its output exists (the drivers resume on their own)."""
    if out.exists():
        return
    cmd = [sys.executable, f"tools/{tool}", str(config), "--out", str(out)]
    runner.launch(cmd + (["--cfg-options", *options] if options else []), out.with_suffix(".log"))


def _quality(masks: Path, choice: str) -> dict:
    cmd = [sys.executable, "tools/analysis/ssc_mask_quality.py", str(CFG / "segment_synthref.py")]
    out = runner.launch(
        cmd + ["--masks", str(masks), "--choice", choice], masks.with_suffix(".q.log")
    )
    return json.loads([x for x in out["output"].splitlines() if x.startswith("{")][-1])


def label_rows(out: Path) -> dict:
    """Segment and Select outputs and their mask quality."""
    seg, full = out / "segment.json", out / "segment_fullexpr.json"
    _label("generate_instance_masks.py", CFG / "segment_synthref.py", seg, [])
    _label("generate_instance_masks.py", CFG / "segment_fullexpr_synthref.py", full, [])
    inst = [f"pseudo_label_dataset.pipeline.2.ann_file={seg}"]
    select = {c: out / f"select_{c}.json" for c in ("reverse_blur", "random")}
    for choice, path in select.items():
        _label("generate_pseudo_labels.py", CFG / "select_synthref.py", path,
               inst + [f"pseudo_labeler.choice={choice}", "randomness.seed=0"])  # fmt: skip
    rows = {"Segment-best": _quality(seg, "best"), "Segment-fullexpr-best": _quality(full, "best")}
    rows.update({f"Select-{c}": _quality(p, "first") for c, p in select.items()})
    return rows


def _train_test(config: Path, work: Path, options: list[str]) -> dict:
    runner.train_once(config, work, options, "done")
    (work / "done").touch()
    ckpt = Path((work / "last_checkpoint").read_text().strip())
    res = runner.launch(runner.test_command(config, ckpt, work / "test"), work / "test.log")
    metrics = runner.printed_metrics(res["output"], work / "test.log")
    return dict(mIoU=metrics["mIoU"], oIoU=metrics["oIoU"], checkpoint=str(ckpt))


def train_rows(out: Path, seed: int, epochs: int) -> dict:
    """Full, random_ce and greedy_ce toy LAVT runs of one seed, tested on the test split."""
    common = [
        f"randomness.seed={seed}",
        f"train_cfg.max_epochs={epochs}",
        f"train_cfg.val_interval={epochs}",
        f"param_scheduler.0.end={epochs}",
        f"default_hooks.checkpoint.interval={epochs}",
    ]
    w = out / f"seed{seed}"
    rows = {"Full": _train_test(FULL, w / "full", common)}
    sel = f"train_dataloader.dataset.pipeline.5.ann_file={out / 'select_reverse_blur.json'}"
    rows["Correct-random_ce"] = _train_test(
        CFG / "lavt_tiny_synthref-random-ce.py", w / "random_ce", common + [sel]
    )
    seg = f"train_dataloader.dataset.pipeline.5.ann_file={out / 'segment.json'}"
    init = f"load_from={rows['Correct-random_ce']['checkpoint']}"
    rows["Correct-greedy_ce"] = _train_test(
        CFG / "lavt_tiny_synthref-greedy-ce.py", w / "greedy_ce", common + [seg, init]
    )
    return rows


def table(results: dict) -> str:
    """Markdown rows: name | mIoU | oIoU (mean over seeds for training rows)."""
    lines = ["| row | mIoU | oIoU | seeds |", "|---|---|---|---|"]
    for name, r in results["labels"].items():
        lines.append(f"| {name} (train refs) | {r['mIoU']:.2f} | {r['oIoU']:.2f} | - |")
    seeds = sorted(results["train"])
    for name in ("Correct-random_ce", "Correct-greedy_ce", "Full"):
        vals = [results["train"][s][name] for s in seeds if name in results["train"][s]]
        if vals:
            m = sum(v["mIoU"] for v in vals) / len(vals)
            o = sum(v["oIoU"] for v in vals) / len(vals)
            lines.append(f"| {name} (test) | {m:.2f} | {o:.2f} | {len(vals)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default="work_dirs/ssc_bench")
    args = parser.parse_args()
    out = (ROOT / args.out).resolve()
    results = dict(labels=label_rows(out), train={})
    for seed in args.seeds:
        results["train"][str(seed)] = train_rows(out, seed, args.epochs)
        runner.save_results(out / "results.json", results)
    print(table(results))


if __name__ == "__main__":
    main()
