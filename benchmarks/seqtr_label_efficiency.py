"""SeqTR / Partial-RES label efficiency on SynthRef (CPU).

Runs, each as ``tools/train.py`` / ``tools/test.py`` / ``tools/choose_pseudo.py``
subprocesses, in ``--work-dir``:

- ``seqtr_100pct``: SeqTR with every train mask (configs/seqtr/segm_synthref.py);
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
import ast
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEGM = "configs/seqtr/segm_synthref.py"
MASK_ONLY = "configs/seqtr/segm_synthref-1pct.py"
DET = "configs/partial_res/seqtr-det_synthref.py"
PRES = "configs/partial_res/partial-res_synthref-1pct.py"
PRES_RPP = "configs/partial_res/partial-res_synthref-1pct-rpp.py"
JOINT = "configs/partial_res/partial-res_synthref-1pct-joint.py"
BOX_PRIOR = "configs/partial_res/partial-res_synthref-1pct-boxprior.py"
ITERATIONS = 300  # training budget of every mask-subset run (the 1 % configs' own schedule)


def run(cmd: list[str], log: Path, threads: int) -> str:
    """Run a command from the repository root, tee its output to ``log``; returns stdout."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as f:  # a relaunch (resume) keeps the earlier launches' output
        f.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1]} failed ({proc.returncode}); see {log}")
    print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return proc.stdout


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
    """Training images/s from mmengine's scalars.json (mean logged iteration time)."""
    files = sorted(work_dir.glob("*/vis_data/scalars.json"))
    if not files:
        return None
    times = []
    for line in files[-1].read_text().splitlines():
        rec = json.loads(line)
        if "loss" in rec and "time" in rec:
            times.append(rec["time"])
    return batch_size / (sum(times) / len(times)) if times else None


def train(name: str, config: str, wd: Path, threads: int, options: list[str] = ()) -> Path:
    """Train (EMA on) and return the last checkpoint; skipped when finished (``train.done``),
    continued from its last checkpoint when interrupted (``--resume``)."""
    out = wd / name
    done = out / "train.done"
    if done.exists():
        return last_checkpoint(out)
    run([sys.executable, "tools/train.py", config, "--work-dir", str(out), "--resume",
         "--cfg-options", "ema=True", *options], out / "train.log", threads)
    ckpt = last_checkpoint(out)
    done.write_text(str(ckpt))
    return ckpt


def test(name: str, config: str, ckpt: Path, wd: Path, threads: int,
         options: list[str] = ()) -> dict:
    """Evaluate a checkpoint; returns the metrics dict that tools/test.py prints."""
    out = wd / name / "test"
    stdout = run([sys.executable, "tools/test.py", config, str(ckpt), "--work-dir", str(out),
                  *(["--cfg-options", *options] if options else [])], out / "test.log", threads)
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    return ast.literal_eval(lines[-1]) if lines else {}


def inference_speed(config: str, ckpt: Path, threads: int, batches: int = 4) -> float:
    """Images/s of ``model.predict`` on val batches (one warm-up batch not counted)."""
    code = f"""
import time, torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint
from risseg.utils import register_all_modules
register_all_modules()
from risseg.registry import MODELS
torch.set_num_threads({threads})
cfg = Config.fromfile({config!r})
cfg.val_dataloader.batch_size = 64
cfg.val_dataloader.num_workers = 0
cfg.val_dataloader.persistent_workers = False
model = MODELS.build(cfg.model).eval()
load_checkpoint(model, {str(ckpt)!r}, map_location='cpu')
loader = Runner.build_dataloader(cfg.val_dataloader)
n, elapsed = 0, 0.0
with torch.no_grad():
    for i, batch in enumerate(loader):
        if i > {batches}:
            break
        data = model.data_preprocessor(batch, False)
        start = time.perf_counter()
        model.predict(data['inputs'], data['data_samples'])
        if i > 0:
            elapsed += time.perf_counter() - start
            n += len(data['data_samples'])
print(n / elapsed)
"""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return float(proc.stdout.strip().splitlines()[-1])


def supervision(ratio: int) -> dict:
    """The SynthRef supervision file of a mask ratio (``mask`` / ``box`` ref id lists)."""
    return json.loads((ROOT / f"data/synthref/supervision_{ratio}pct.json").read_text())


def schedule_options(num_refs: int, iterations: int = ITERATIONS, batch: int = 32) -> list[str]:
    """--cfg-options giving the mask-subset configs about ``iterations`` iterations.

    The 1 % configs train 100 epochs of 3 iterations with x0.1 after 80 % of them; larger
    subsets get proportionally fewer epochs, so every ratio has the same budget.
    """
    epochs = max(5, math.ceil(iterations / math.ceil(num_refs / batch)))
    return [
        f"train_cfg.max_epochs={epochs}", f"train_cfg.val_interval={epochs}",
        f"default_hooks.checkpoint.interval={epochs}",
        f"param_scheduler.1.milestones=[{int(0.8 * epochs)}]", f"param_scheduler.1.end={epochs}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="SeqTR / Partial-RES label efficiency")
    parser.add_argument("--work-dir", default="work_dirs/label_efficiency")
    parser.add_argument("--ratios", type=int, nargs="+", default=[1])
    parser.add_argument("--steps", nargs="+", help="run only these (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, help="randomness.seed of every training run "
                        "(default: the configs' own); use a fresh --work-dir per seed")
    parser.add_argument("--det-checkpoint", help="reuse this box model (step 1) instead of "
                        "training 'det' in the work dir, e.g. for a second seed")
    parser.add_argument("--rpp-refs", type=int, default=0,
                        help="predict pseudo points for the first N train refs only (0: all)")
    args = parser.parse_args()
    wd = Path(args.work_dir).resolve()
    seed = [f"randomness.seed={args.seed}"] if args.seed is not None else []
    results_path = wd / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}

    def want(step: str) -> bool:
        return args.steps is None or step in args.steps

    def record(step: str, config: str, ckpt: Path, metrics: dict, **extra) -> None:
        # re-read first: steps may run in several processes at once (--steps)
        if results_path.is_file():
            results.update(json.loads(results_path.read_text()))
        results[step] = dict(
            config=config, checkpoint=str(ckpt), mIoU=metrics.get("mIoU"),
            oIoU=metrics.get("oIoU"), prec50=metrics.get("prec@0.5"),
            train_img_per_s=train_speed(ckpt.parent, 32), peak_rss_mb=peak_rss_mb(), **extra,
        )
        results_path.parent.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=1))

    def pseudo_points(name: str, config: str, ckpt: Path, r: int) -> tuple[Path, dict]:
        """Steps 3-4: a model's train-split predictions (EMA), then RPP; (pseudo file, stats)."""
        preds = wd / name / "train_preds.json"
        if not preds.is_file():
            test(name, config, ckpt, wd, args.threads, [
                "test_dataloader.dataset.split=train",
                # every sentence: RPP scores one seeded random sentence per ref (the
                # release's rule) or, with --sentence best, the best-scoring one
                "test_dataloader.dataset.sentence_mode=all",
                *([f"test_dataloader.dataset.indices={args.rpp_refs}"] if args.rpp_refs else []),
                "test_evaluator.type=DumpPredictions", f"test_evaluator.out_file={preds}",
            ])
        pseudo = wd / name / f"pseudo_rpp_{r}pct.json"
        stdout = run([sys.executable, "tools/choose_pseudo.py", "--pred", str(preds),
                      "--labeled", f"data/synthref/supervision_{r}pct.json", "--out",
                      str(pseudo)], wd / f"{name}_rpp" / "choose_pseudo.log", args.threads)
        return pseudo, json.loads(stdout.splitlines()[0])

    if want("seqtr_100pct"):
        ckpt = train("seqtr_100pct", SEGM, wd, args.threads, seed)
        record("seqtr_100pct", SEGM, ckpt, test("seqtr_100pct", SEGM, ckpt, wd, args.threads),
               infer_img_per_s=inference_speed(SEGM, ckpt, args.threads))
    det_ckpt = None
    needs_det = ("det", "seqtr_100pct_det", "joint_100pct",
                 *[f"{m}_{r}pct{rpp}" for r in args.ratios for m in ("pres", "joint", "boxprior")
                   for rpp in ("", "_rpp")], *[f"seqtr_{r}pct_det" for r in args.ratios])
    if args.det_checkpoint:
        det_ckpt = Path(args.det_checkpoint).resolve()
    elif any(want(s) for s in needs_det):
        det_ckpt = train("det", DET, wd, args.threads, seed)
    if want("seqtr_100pct_det"):
        # the stronger full-supervision reference: the same SeqTR schedule, started from the
        # box model like Partial-RES (SeqTR itself starts its mask models from the backbone)
        ckpt = train("seqtr_100pct_det", SEGM, wd, args.threads,
                     [f"load_from={det_ckpt}", *seed])
        record("seqtr_100pct_det", SEGM, ckpt,
               test("seqtr_100pct_det", SEGM, ckpt, wd, args.threads))
    if want("joint_100pct"):
        # the joint variant's own full-supervision reference: every ref trains both sequences
        # (both halves of the ConcatDataset hold every ref, all with masks)
        ckpt = train("joint_100pct", JOINT, wd, args.threads, [
            *[f"train_dataloader.dataset.datasets.{i}.supervision_file=None" for i in (0, 1)],
            "train_dataloader.dataset.datasets.1.keep_supervision=[mask]",
            f"load_from={det_ckpt}", *seed])
        record("joint_100pct", JOINT, ckpt, test("joint_100pct", JOINT, ckpt, wd, args.threads))
    for r in args.ratios:
        sup = [f"train_dataloader.dataset.supervision_file=supervision_{r}pct.json",
               *schedule_options(len(supervision(r)["mask"]))]
        step = f"seqtr_{r}pct"
        if want(step):
            ckpt = train(step, MASK_ONLY, wd, args.threads, [*sup, *seed])
            record(step, MASK_ONLY, ckpt, test(step, MASK_ONLY, ckpt, wd, args.threads))
        step = f"seqtr_{r}pct_det"
        if want(step):  # ablation: the plain SeqTR head, from the box model like step 2
            ckpt = train(step, MASK_ONLY, wd, args.threads, [*sup, f"load_from={det_ckpt}", *seed])
            record(step, MASK_ONLY, ckpt, test(step, MASK_ONLY, ckpt, wd, args.threads))
        step = f"pres_{r}pct"
        if want(step) or want(step + "_rpp"):
            ckpt = train(step, PRES, wd, args.threads, [*sup, f"load_from={det_ckpt}", *seed])
            if want(step):
                record(step, PRES, ckpt, test(step, PRES, ckpt, wd, args.threads))
        step = f"pres_{r}pct_rpp"
        if want(step):
            pseudo, rpp_stats = pseudo_points(f"pres_{r}pct", PRES, ckpt, r)
            # the step-2 budget (~300 iterations) over the labeled + kept refs
            refs = rpp_stats["num_labeled"] + rpp_stats["num_kept"]
            ckpt = train(step, PRES_RPP, wd, args.threads, [*seed,
                sup[0], f"train_dataloader.dataset.pseudo_ann_file={pseudo}",
                f"load_from={det_ckpt}", *schedule_options(refs),
            ])
            record(step, PRES_RPP, ckpt, test(step, PRES_RPP, ckpt, wd, args.threads),
                   rpp=rpp_stats)
        # both parts of the joint configs' ConcatDataset read the ratio's supervision file
        joint_sup = [f"train_dataloader.dataset.datasets.{i}.supervision_file="
                     f"supervision_{r}pct.json" for i in (0, 1)]
        for method, config in (("joint", JOINT), ("boxprior", BOX_PRIOR)):
            step = f"{method}_{r}pct"
            if want(step) or (method == "joint" and want(step + "_rpp")):
                ckpt = train(step, config, wd, args.threads,
                             [*joint_sup, f"load_from={det_ckpt}", *seed])
                if want(step):
                    record(step, config, ckpt, test(step, config, ckpt, wd, args.threads))
            step = f"{method}_{r}pct_rpp"
            if method == "joint" and want(step):
                # RPP on the joint model's predictions, then the joint model retrained from the
                # box model with the kept pseudo masks joining the GT masks
                pseudo, rpp_stats = pseudo_points(f"joint_{r}pct", JOINT, ckpt, r)
                ckpt = train(step, JOINT, wd, args.threads, [*seed,
                    *joint_sup, f"load_from={det_ckpt}",
                    *[f"train_dataloader.dataset.datasets.{i}.pseudo_ann_file={pseudo}"
                      for i in (0, 1)],
                ])
                record(step, JOINT, ckpt, test(step, JOINT, ckpt, wd, args.threads),
                       rpp=rpp_stats)

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
        print(f"| {step} | {step.split('_')[1]} | {miou} | {oiou} | {frac} | {speed} | "
              f"{res.get('peak_rss_mb', 0):.0f} |")


if __name__ == "__main__":
    main()
