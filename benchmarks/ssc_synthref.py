"""S+S+C on SynthRef: Segment, Select and Correct against fully supervised LAVT, one table.

Rows (mIoU / oIoU, percent):

* Segment-best: the best of each train ref's Segment candidates vs its GT (upper bound of any
  choice); with --fullexpr REFS, Segment-fullexpr-best: the same for the SAM 3-style variant
  (no SAM 3 stand-in: the stand-in detector + SAM prompted with the full expressions,
  configs/ssc/segment_fullexpr_synthref.py) beside the noun variant, both on the first REFS
  train refs;
* Select-reverse_blur / Select-random: the chosen train masks vs GT;
* Correct-random_ce / Correct-greedy_ce: the toy LAVT trained on Select masks, then from it on
  all Segment candidates (no GT mask), on the test split;
* Correct-random_ce-continued: the equal-budget control of greedy_ce: random_ce trained as many
  epochs again from itself, on the same Select masks;
* Full: the same toy LAVT with the GT masks, the same epochs, on the test split.

The Segment and Select rows are measured once (train refs); the training rows per seed. Every
stage resumes (the labelling drivers skip labelled refs, training resumes from its last
checkpoint, finished runs are skipped). Needs the SynthRef stand-ins (tools/train_standins.py
--out work_dirs/standins); --segment-options passes config overrides to Segment (other
stand-in weights, e.g. pseudo_labeler.detector.path=DIR).

Usage:
    python benchmarks/ssc_synthref.py [--seeds 0 1 2] [--epochs 2] [--out work_dirs/ssc_bench]
        [--full-only] [--fullexpr 1000] [--segment-options KEY=VALUE ...]
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


def _quality(masks: Path, choice: str, options: tuple[str, ...] = ()) -> dict:
    cmd = [sys.executable, "tools/analysis/ssc_mask_quality.py", str(CFG / "segment_synthref.py")]
    cmd += ["--masks", str(masks), "--choice", choice]
    tag = f"-{options[0].split('=')[-1]}" if options else ""  # e.g. .q-1000.log for a subset
    log = masks.with_suffix(f".q{tag}.log")
    out = runner.launch(cmd + (["--cfg-options", *options] if options else []), log)
    return json.loads([x for x in out["output"].splitlines() if x.startswith("{")][-1])


def fullexpr_rows(out: Path, refs: int) -> dict:
    """Segment-best of the full-expression variant against the noun variant, both on the first
    ``refs`` train refs (the release's quick-test subset is its first 1000 refs)."""
    subset = (f"pseudo_label_dataset.indices={refs}",)
    full = out / f"segment_fullexpr_{refs}.json"
    _label("generate_pseudo_labels.py", CFG / "segment_fullexpr_synthref.py", full, [*subset])
    return {
        "Segment-best": _quality(out / "segment.json", "best", subset),
        "Segment-fullexpr-best": _quality(full, "best", subset),
        "refs": refs,
    }


def label_rows(out: Path, segment_options: list[str]) -> dict:
    """Segment (with ``segment_options``) and Select outputs and their mask quality."""
    seg = out / "segment.json"
    _label("generate_pseudo_labels.py", CFG / "segment_synthref.py", seg, segment_options)
    inst = [f"pseudo_label_dataset.pipeline.2.ann_file={seg}"]
    select = {c: out / f"select_{c}.json" for c in ("reverse_blur", "random")}
    for choice, path in select.items():
        _label("generate_pseudo_labels.py", CFG / "select_synthref.py", path,
               inst + [f"pseudo_labeler.choice={choice}", "randomness.seed=0"])  # fmt: skip
    rows = {"Segment-best": _quality(seg, "best")}
    rows.update({f"Select-{c}": _quality(p, "first") for c, p in select.items()})
    return rows


def _train_test(config: Path, work: Path, options: list[str]) -> dict:
    """Train (resumably) and test once on the test split; the val mIoU of the last epoch too."""
    usage = runner.train_once(config, work, options, "done")
    (work / "done").touch()
    ckpt = Path((work / "last_checkpoint").read_text().strip())
    res = runner.launch(runner.test_command(config, ckpt, work / "test"), work / "test.log")
    metrics = runner.printed_metrics(res["output"], work / "test.log")
    val, _ = runner.read_scalars(work)
    row = dict(mIoU=metrics["mIoU"], oIoU=metrics["oIoU"], checkpoint=str(ckpt))
    row.update(
        val_mIoU=val[-1]["mIoU"] if val else None, val_oIoU=val[-1].get("oIoU") if val else None
    )
    if usage is not None:
        row["train_wall_s"] = round(usage["wall_s"])
    return row


def _common(seed: int, epochs: int) -> list[str]:
    return [
        f"randomness.seed={seed}",
        f"train_cfg.max_epochs={epochs}",
        f"train_cfg.val_interval={epochs}",
        f"param_scheduler.0.end={epochs}",
        f"default_hooks.checkpoint.interval={epochs}",
    ]


def _row(out: Path, key: str, fn) -> dict:
    """A row of results.json (computed unless saved there already)."""
    path = out / "results.json"
    saved = json.loads(path.read_text()) if path.is_file() else {}
    if key not in saved:
        saved = runner.save_results(path, {key: fn()})
    return saved[key]


def full_row(out: Path, seed: int, epochs: int) -> dict:
    """The toy LAVT on the GT masks (no stand-in needed), tested on the test split."""
    work = out / f"seed{seed}" / f"e{epochs}" / "full"
    key = f"seed{seed}/e{epochs}/Full"
    return _row(out, key, lambda: _train_test(FULL, work, _common(seed, epochs)))


def correct_rows(out: Path, seed: int, epochs: int) -> dict:
    """random_ce on the Select masks, then from it greedy_ce on all Segment candidates and, as
    the equal-budget control, random_ce again on the Select masks."""
    w, common = out / f"seed{seed}" / f"e{epochs}", _common(seed, epochs)
    sel = f"train_dataloader.dataset.pipeline.5.ann_file={out / 'select_reverse_blur.json'}"
    rand_cfg = CFG / "lavt_tiny_synthref-random-ce.py"
    greedy_cfg = CFG / "lavt_tiny_synthref-greedy-ce.py"
    rand = _row(
        out,
        f"seed{seed}/e{epochs}/Correct-random_ce",
        lambda: _train_test(rand_cfg, w / "random_ce", common + [sel]),
    )
    seg = f"train_dataloader.dataset.pipeline.5.ann_file={out / 'segment.json'}"
    init = f"load_from={rand['checkpoint']}"
    greedy = _row(
        out,
        f"seed{seed}/e{epochs}/Correct-greedy_ce",
        lambda: _train_test(greedy_cfg, w / "greedy_ce", common + [seg, init]),
    )
    control = _row(
        out,
        f"seed{seed}/e{epochs}/Correct-random_ce-continued",
        lambda: _train_test(rand_cfg, w / "random_ce_cont", common + [sel, init]),
    )
    return {
        "Correct-random_ce": rand,
        "Correct-greedy_ce": greedy,
        "Correct-random_ce-continued": control,
    }


def table(results: dict, epochs: int) -> str:
    """Markdown rows: name | mIoU | oIoU | % of Full mIoU | seeds (training rows: seed means
    of the runs of ``epochs`` epochs)."""
    lines = ["| row | mIoU | oIoU | % of Full mIoU | seeds |", "|---|---|---|---|---|"]
    for name, r in results.get("labels", {}).items():
        lines.append(f"| {name} (train refs) | {r['mIoU']:.2f} | {r['oIoU']:.2f} | - | - |")
    for key, rows in results.items():
        if key.startswith("labels_fullexpr_"):
            for name, r in rows.items():
                if isinstance(r, dict):
                    lines.append(
                        f"| {name} (first {rows['refs']} train refs) | {r['mIoU']:.2f} "
                        f"| {r['oIoU']:.2f} | - | - |"
                    )
    means = {}
    for name in ("Full", "Correct-random_ce", "Correct-greedy_ce", "Correct-random_ce-continued"):
        tail = f"/e{epochs}/{name}"
        vals = [v for k, v in results.items() if k.startswith("seed") and k.endswith(tail)]
        if vals:
            means[name] = (
                sum(v["mIoU"] for v in vals) / len(vals),
                sum(v["oIoU"] for v in vals) / len(vals),
                len(vals),
            )
    for name, (m, o, n) in means.items():
        pct = f"{100 * m / means['Full'][0]:.1f}" if "Full" in means else "-"
        lines.append(f"| {name} (test, {epochs} ep) | {m:.2f} | {o:.2f} | {pct} | {n} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default="work_dirs/ssc_bench")
    parser.add_argument(
        "--full-only", action="store_true", help="only the Full rows (no stand-in needed)"
    )
    parser.add_argument(
        "--fullexpr",
        type=int,
        default=0,
        metavar="REFS",
        help="also the full-expression Segment variant on the first REFS train refs",
    )
    parser.add_argument(
        "--segment-options",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="--cfg-options of the Segment stage (e.g. other stand-in weights)",
    )
    args = parser.parse_args()
    out = (ROOT / args.out).resolve()
    for seed in args.seeds:
        full_row(out, seed, args.epochs)
    if not args.full_only:
        _row(out, "labels", lambda: label_rows(out, args.segment_options))
        if args.fullexpr:
            _row(out, f"labels_fullexpr_{args.fullexpr}", lambda: fullexpr_rows(out, args.fullexpr))
        for seed in args.seeds:
            correct_rows(out, seed, args.epochs)
    print(table(json.loads((out / "results.json").read_text()), args.epochs))


if __name__ == "__main__":
    main()
