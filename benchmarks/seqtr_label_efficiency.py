"""SeqTR / Partial-RES label efficiency on SynthRef (CPU).

Runs, each as ``tools/train.py`` / ``tools/test.py`` / ``tools/choose_pseudo.py``
subprocesses (benchmarks/runner.py), in ``--work-dir``; each step is a config and a
``--cfg-options`` diff in benchmarks/seqtr/runs.py:

- ``seqtr_100pct``: SeqTR with every train mask (configs/seqtr/segm_synthref-maskonly.py);
- ``seqtr_100pct_det``: the same, initialised from the box model ``det``;
- ``seqtr_{r}pct``: SeqTR with r % of the masks only (no boxes);
- ``seqtr_{r}pct_det``: the same from the box model ``det`` (step 2 without the Partial-RES
  model changes);
- ``det``: the SeqTR box model on every train box (Partial-RES step 1);
- ``pres_{r}pct``: Partial-RES step 2 (r % masks, from ``det``);
- ``pres_{r}pct_rpp``: steps 3-5 (train-split predictions, RPP, retraining from ``det``);
- ``joint_100pct``: the joint variant with every mask (its own full-supervision reference);
- ``joint_{r}pct``: risseg's joint variant of step 2 (mask sequence on the r % with masks, box
  sequence on every ref, from ``det``; the 100 % reference's 1050 iterations);
- ``joint_{r}pct_rpp``: RPP on the joint model's train predictions, then the joint variant
  retrained from ``det`` on GT + kept pseudo masks;
- ``boxprior_{r}pct``: the joint variant where box-only refs also train the mask sequence on
  the ellipse inscribed in their box (a box-prior baseline, not Partial-RES).

Every model is evaluated on the SynthRef test split (testA + testB: 852 refs, 2145 sentences;
``tools/test.py``): every sentence of every ref, prediction
and GT at the original resolution (128 px), EMA weights; mIoU and oIoU (sum I / sum U), x100.
Speed: training images/s (batch size / mean iteration time of the logged iterations,
data loading included), inference images/s (``model.predict`` on val batches of 64 after one
warm-up batch) and peak RSS (max resident set of the training and test processes). The CPU may
be shared; the figures are what was measured, on the threads given.

    python benchmarks/seqtr_label_efficiency.py --work-dir work_dirs/label_efficiency \
        --ratios 1 [5 10] [--steps seqtr_100pct det ...]

Results go to ``<work-dir>/results.json`` and a markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402
from seqtr.runs import SEGM, Step, schedule_options, steps, to_train  # noqa: E402

ROOT = runner.ROOT


def peak_rss_mb() -> float:
    """Largest resident set of any finished child process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def last_checkpoint(work_dir: Path) -> Path:
    """The newest ``epoch_*.pth`` of a training run."""
    ckpts = sorted(work_dir.glob("epoch_*.pth"), key=lambda p: int(p.stem.split("_")[1]))
    if not ckpts:
        raise FileNotFoundError(f"no epoch_*.pth in {work_dir}")
    return ckpts[-1]


def train_speed(work_dir: Path, batch_size: int) -> float | None:
    """Training images/s from the last launch's scalars.json (mean logged iteration time)."""
    try:
        _, records = runner.read_scalars(work_dir, last_launch=True)
    except FileNotFoundError:
        return None
    times = [r["time"] for r in records if "time" in r]
    return batch_size / (sum(times) / len(times)) if times else None


def train(name: str, config: str, wd: Path, threads: int, options: list[str] = ()) -> Path:
    """Train (EMA on) and return the last checkpoint; skipped when finished (``train.done``),
    continued from its last checkpoint when interrupted (``--resume``)."""
    out = wd / name
    if runner.train_once(config, out, ["ema=True", *options], "train.done", threads, ROOT):
        (out / "train.done").write_text(str(last_checkpoint(out)))
    return last_checkpoint(out)


def test(
    name: str, config: str, ckpt: Path, wd: Path, threads: int, options: list[str] = ()
) -> dict:
    """Evaluate a checkpoint; returns the metrics dict that tools/test.py prints."""
    out = wd / name / "test"
    log = out / "test.log"
    usage = runner.launch(runner.test_command(config, ckpt, out, options), log, threads, ROOT)
    return runner.printed_metrics(usage["output"], log)


def supervision(ratio: int) -> dict:
    """The SynthRef supervision file of a mask ratio (``mask`` / ``box`` ref id lists)."""
    return json.loads((ROOT / f"data/synthref/supervision_{ratio}pct.json").read_text())


def pseudo_points(
    name: str, config: str, ckpt: Path, r: int, wd: Path, args: argparse.Namespace
) -> tuple[Path, dict]:
    """Steps 3-4: a model's train-split predictions (EMA), then RPP; (pseudo file, stats)."""
    preds = wd / name / "train_preds.json"
    if not preds.is_file():
        test(
            name,
            config,
            ckpt,
            wd,
            args.threads,
            [
                "test_dataloader.dataset.split=train",
                # every sentence: RPP scores one seeded random sentence per ref (the release's
                # rule) or, with --sentence best, the best-scoring one
                "test_dataloader.dataset.sentence_mode=all",
                *([f"test_dataloader.dataset.indices={args.rpp_refs}"] if args.rpp_refs else []),
                "test_evaluator.type=DumpPredictions",
                f"test_evaluator.out_file={preds}",
            ],
        )
    pseudo = wd / name / f"pseudo_rpp_{r}pct.json"
    cmd = [
        sys.executable,
        "tools/choose_pseudo.py",
        "--pred",
        str(preds),
        "--labeled",
        f"data/synthref/supervision_{r}pct.json",
        "--out",
        str(pseudo),
    ]
    usage = runner.launch(cmd, wd / f"{name}_rpp" / "choose_pseudo.log", args.threads, ROOT)
    summary = next(line for line in usage["output"].splitlines() if line.startswith("{"))
    return pseudo, json.loads(summary)  # choose_pseudo's JSON line (warnings may come first)


def parse_args() -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="SeqTR / Partial-RES label efficiency")
    parser.add_argument("--work-dir", default="work_dirs/label_efficiency")
    parser.add_argument("--ratios", type=int, nargs="+", default=[1])
    parser.add_argument("--steps", nargs="+", help="run only these (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--seed",
        type=int,
        help="randomness.seed of every training run "
        "(default: the configs' own); use a fresh --work-dir per seed",
    )
    parser.add_argument(
        "--det-checkpoint",
        help="reuse this box model (step 1) instead of "
        "training 'det' in the work dir, e.g. for a second seed",
    )
    parser.add_argument(
        "--rpp-refs",
        type=int,
        default=0,
        help="predict pseudo points for the first N train refs only (0: all)",
    )
    args = parser.parse_args()
    known = [s.name for s in steps(args.ratios)]
    unknown = [s for s in args.steps or [] if s not in known]
    if unknown:
        parser.error(
            f"unknown --steps {' '.join(unknown)} (with --ratios "
            f"{' '.join(map(str, args.ratios))}: {' '.join(known)})"
        )
    return args


def print_table(results: dict) -> None:
    """The markdown table of every recorded step, against the fair 100 % reference."""
    # the fair reference: 100 % masks, initialised from the box model like Partial-RES
    reference = "seqtr_100pct_det" if "seqtr_100pct_det" in results else "seqtr_100pct"
    full = results.get(reference, {}).get("mIoU")
    print(f"| setting | masks | mIoU | oIoU | % of {reference} mIoU | train img/s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for step, res in results.items():
        frac = f"{100 * res['mIoU'] / full:.0f}" if full and res.get("mIoU") else "-"
        speed = f"{res['train_img_per_s']:.1f}" if res.get("train_img_per_s") else "-"
        miou = f"{res['mIoU']:.2f}" if res.get("mIoU") is not None else "-"
        oiou = f"{res['oIoU']:.2f}" if res.get("oIoU") is not None else "-"
        print(
            f"| {step} | {step.split('_')[1]} | {miou} | {oiou} | {frac} | {speed} | "
            f"{res.get('peak_rss_mb', 0):.0f} |"
        )


def main() -> None:
    """Train, evaluate and record the wanted steps (and what they start from); print the table."""
    args = parse_args()
    wd = Path(args.work_dir).resolve()
    results_path = wd / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    all_steps = steps(args.ratios)
    wanted = set(args.steps) if args.steps else {s.name for s in all_steps}
    needed = to_train(all_steps, wanted)
    ckpts: dict[str, Path] = {}
    if args.det_checkpoint:
        ckpts["det"] = Path(args.det_checkpoint).resolve()
    seed = [f"randomness.seed={args.seed}"] if args.seed is not None else []

    def run_step(step: Step) -> None:
        lists, fields, extra = dict(seed=seed), {}, {}
        if step.ratio is not None:
            lists["schedule"] = schedule_options(len(supervision(step.ratio)["mask"]))
        if "det" in step.needs():
            fields["det"] = ckpts["det"]
        if step.pseudo_from:
            source = next(s for s in all_steps if s.name == step.pseudo_from)
            pseudo, extra["rpp"] = pseudo_points(
                source.name, source.config, ckpts[source.name], step.ratio, wd, args
            )
            fields["pseudo"] = pseudo
            refs = extra["rpp"]["num_labeled"] + extra["rpp"]["num_kept"]
            lists["rpp_schedule"] = schedule_options(refs)
        ckpt = ckpts[step.name] = train(
            step.name, step.config, wd, args.threads, step.cfg_options(lists, **fields)
        )
        if not (step.recorded and step.name in wanted):
            return
        metrics = test(step.name, step.config, ckpt, wd, args.threads)
        if step.infer_speed:
            extra["infer_img_per_s"] = runner.inference_speed(
                SEGM, ckpt, n_batches=4, warmup=1, batch_size=64, threads=args.threads
            )
        record = dict(
            config=step.config,
            checkpoint=str(ckpt),
            mIoU=metrics.get("mIoU"),
            oIoU=metrics.get("oIoU"),
            prec50=metrics.get("prec@0.5"),
            train_img_per_s=train_speed(ckpt.parent, 32),
            peak_rss_mb=peak_rss_mb(),
            **extra,
        )
        # steps may run in several processes at once (--steps): keep what the others saved
        results.update(runner.save_results(results_path, {step.name: record}))

    for step in all_steps:
        if step.name in needed and step.name not in ckpts:
            run_step(step)
    print_table(results)


if __name__ == "__main__":
    main()
