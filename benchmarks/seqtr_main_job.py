"""The README main job (SeqTR on SynthRef) over several seeds: val curve, CPU cost, plot.

Trains ``--config`` (default: configs/seqtr/segm_synthref.py, EMA on, as the README runs it)
once per ``--seeds`` value in ``<work-dir>/seed<S>`` with ``tools/train.py --threads 1``, reads
the val mIoU / oIoU of every epoch from mmengine's ``vis_data/scalars.json`` and, with
``--test``, evaluates each final checkpoint once on the test split (testA + testB) with
``tools/test.py``. Resumable: a finished seed (``train.done``) is skipped, an interrupted one
continues from its last checkpoint.

CPU cost: the CPU seconds (user + sys) of the training process itself (``/proc/<pid>/stat``,
sampled every second; startup, training and the validations) and of its data-loader
worker(s). With ``--threads 1`` (the default threading on 2 cores) the model runs on one core
and the loader on the other, so on 2 idle cores the run takes about the training process's
CPU seconds (reported as ``idle_2core_min``) as long as the loader needs fewer; on a shared
machine the wall time is longer, while CPU seconds change little.

    OMP_NUM_THREADS=1 python benchmarks/seqtr_main_job.py --work-dir work_dirs/seqtr_main_job \
        --seeds 0 1 2 [--test] [--config configs/seqtr/segm_synthref.py] \
        [--json docs/benchmarks/seqtr_main_job.json] [--plot docs/images/seqtr_main_job.png]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """user + sys CPU seconds of one live process (not its children), or None when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _children(pid: int) -> list[int]:
    """Direct child processes (the data-loader workers of a training process)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def run_measured(cmd: list[str], log: Path) -> dict:
    """Run ``cmd`` from the repository root (output appended to ``log``), sampling the CPU
    seconds of the process and of its children every second.

    Returns:
        dict(main_cpu_s, worker_cpu_s, wall_s) of this launch.

    Raises:
        RuntimeError: the command failed (names the log).
    """
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    log.parent.mkdir(parents=True, exist_ok=True)
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    main, workers = 0.0, {}
    with log.open("a") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            main = _cpu_seconds(proc.pid) or main
            for kid in _children(proc.pid):
                workers[kid] = _cpu_seconds(kid) or workers.get(kid, 0.0)
            time.sleep(1.0)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1]} failed ({proc.returncode}); see {log}")
    return dict(
        main_cpu_s=main, worker_cpu_s=sum(workers.values()), wall_s=time.perf_counter() - start
    )


def read_scalars(work_dir: Path) -> tuple[list[dict], list[dict]]:
    """Val records (one per epoch, last write wins) and train records of a run, over every
    launch (``<timestamp>/vis_data/scalars.json``)."""
    val: dict[int, dict] = {}
    train: dict[int, dict] = {}
    for path in sorted(work_dir.glob("*/vis_data/scalars.json")):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if "mIoU" in rec:
                val[int(rec["step"])] = rec
            elif "loss" in rec:
                train[int(rec["step"])] = rec
    return [val[k] for k in sorted(val)], [train[k] for k in sorted(train)]


def train_seed(config: str, seed: int, out: Path, options: list[str]) -> dict:
    """Train one seed (skipped when ``train.done`` exists); returns its record."""
    cost_file = out / "cpu.json"
    costs = json.loads(cost_file.read_text()) if cost_file.is_file() else []
    if not (out / "train.done").exists():
        cmd = [
            sys.executable,
            "tools/train.py",
            config,
            "--threads",
            "1",
            "--work-dir",
            str(out),
            "--resume",
            "--cfg-options",
            "ema=True",
            f"randomness.seed={seed}",
            *options,
        ]
        costs.append(run_measured(cmd, out / "train.log"))
        cost_file.write_text(json.dumps(costs, indent=1))
        (out / "train.done").write_text("done")
    val, train = read_scalars(out)
    if not val:
        raise RuntimeError(f"{out}: no validation records in */vis_data/scalars.json")
    main_cpu = sum(c["main_cpu_s"] for c in costs)
    return dict(
        seed=seed,
        val_curve=[
            dict(epoch=r["step"], mIoU=r["mIoU"], oIoU=r["oIoU"], prec50=r.get("prec@0.5"))
            for r in val
        ],
        train_loss=[
            dict(iter=r["step"], **{k: v for k, v in r.items() if k.startswith("loss")})
            for r in train
        ],
        val_mIoU=val[-1]["mIoU"],
        val_oIoU=val[-1]["oIoU"],
        main_cpu_s=main_cpu,
        worker_cpu_s=sum(c["worker_cpu_s"] for c in costs),
        wall_s=sum(c["wall_s"] for c in costs),
        idle_2core_min=main_cpu / 60,
        notes=[c["note"] for c in costs if c.get("note")],  # e.g. a run measured by hand
    )


def test_seed(config: str, out: Path) -> dict:
    """mIoU / oIoU of the last checkpoint on the test split (tools/test.py; cached)."""
    cache = out / "test.json"
    if cache.is_file():
        return json.loads(cache.read_text())
    ckpts = sorted(out.glob("epoch_*.pth"), key=lambda p: int(p.stem.split("_")[1]))
    if not ckpts:
        raise FileNotFoundError(f"no epoch_*.pth in {out}")
    cmd = [
        sys.executable,
        "tools/test.py",
        config,
        str(ckpts[-1]),
        "--threads",
        "1",
        "--work-dir",
        str(out / "test"),
    ]
    run_measured(cmd, out / "test.log")
    lines = [ln for ln in (out / "test.log").read_text().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"tools/test.py printed no metrics; see {out / 'test.log'}")
    metrics = ast.literal_eval(lines[-1])
    result = dict(mIoU=metrics["mIoU"], oIoU=metrics["oIoU"], prec50=metrics.get("prec@0.5"))
    cache.write_text(json.dumps(result))
    return result


def _mean_std(values: list[float]) -> dict:
    return dict(
        mean=statistics.fmean(values), std=statistics.stdev(values) if len(values) > 1 else 0.0
    )


def summarise(runs: list[dict]) -> dict:
    """Mean and standard deviation over seeds of the final val (and test) figures."""
    keys = ["val_mIoU", "val_oIoU", "idle_2core_min", "main_cpu_s", "worker_cpu_s", "wall_s"]
    summary = {k: _mean_std([r[k] for r in runs]) for k in keys}
    if all("test" in r for r in runs):
        for k in ("mIoU", "oIoU"):
            summary[f"test_{k}"] = _mean_std([r["test"][k] for r in runs])
    return summary


def plot(runs: list[dict], path: Path, title: str) -> None:
    """Val mIoU / oIoU per epoch (one line per seed) and the training loss per iteration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, run in enumerate(runs):
        epochs = [p["epoch"] for p in run["val_curve"]]
        for key, colour in (("mIoU", "tab:blue"), ("oIoU", "tab:orange")):
            left.plot(
                epochs,
                [p[key] for p in run["val_curve"]],
                "o-",
                ms=3,
                color=colour,
                alpha=0.8,
                label=f"val {key}" if i == 0 else None,
            )
        iters = [p["iter"] for p in run["train_loss"]]
        for key, colour in (
            ("loss_mask", "tab:purple"),
            ("loss_box", "tab:green"),
            ("loss_dense", "tab:gray"),
        ):
            if key in run["train_loss"][0]:
                right.plot(
                    iters,
                    [p[key] for p in run["train_loss"]],
                    color=colour,
                    alpha=0.6,
                    lw=1,
                    label=key if i == 0 else None,
                )
    left.set(xlabel="epoch", ylabel="val (%)", title=f"{title}: val, {len(runs)} seeds")
    left.grid(alpha=0.3)
    left.legend()
    right.set(xlabel="iteration (batch of 32)", ylabel="training loss", title="training loss")
    right.grid(alpha=0.3)
    right.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description="README main job over several seeds")
    parser.add_argument("--config", default="configs/seqtr/segm_synthref.py")
    parser.add_argument("--work-dir", default="work_dirs/seqtr_main_job")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--test",
        action="store_true",
        help="also evaluate each final checkpoint once on the test split",
    )
    parser.add_argument("--json", help="write the results here (default: <work-dir>/results.json)")
    parser.add_argument("--plot", help="write the learning-curve figure here (PNG)")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        default=[],
        help="extra --cfg-options for every training run (key=value)",
    )
    args = parser.parse_args()
    wd = Path(args.work_dir).resolve()
    runs = []
    for seed in args.seeds:
        out = wd / f"seed{seed}"
        run = train_seed(args.config, seed, out, args.cfg_options)
        if args.test:
            run["test"] = test_seed(args.config, out)
        runs.append(run)
        print(
            f"seed {seed}: val mIoU {run['val_mIoU']:.2f} / oIoU {run['val_oIoU']:.2f}, "
            f"{run['idle_2core_min']:.1f} min of training-process CPU",
            flush=True,
        )
    result = dict(
        config=args.config,
        cfg_options=args.cfg_options,
        seeds=args.seeds,
        summary=summarise(runs),
        runs=runs,
    )
    out_json = Path(args.json) if args.json else wd / "results.json"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(result, indent=1))
    if args.plot:
        plot(runs, Path(args.plot), Path(args.config).stem)
    print(json.dumps(result["summary"], indent=1))


if __name__ == "__main__":
    main()
