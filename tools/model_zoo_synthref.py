"""Train the SynthRef checkpoints of every method of docs/model_zoo.md, one after the other.

Each step is a subprocess of a risseg tool (``tools/train.py`` with ``--resume``,
``tools/test.py``, ``tools/generate_pseudo_labels.py``, ``tools/choose_pseudo.py``,
``tools/pretrain_synthref_encoders.py``) run from the repository root; its output goes to
``<work-dir>/<step>/<tool>.log``. A finished step leaves ``<work-dir>/<step>/step.json`` and is
skipped on the next launch, and an interrupted training continues from its last checkpoint, so
the script can be killed and started again with the same arguments. Every zoo model is then
evaluated with ``tools/test.py`` on SynthRef val and test (testA + testB; every sentence,
original resolution, x100) and ``<work-dir>/summary.{json,md}`` list its mIoU / oIoU.

The steps follow the benchmark scripts whose figures docs/model_zoo.md quotes
(benchmarks/baseline_synthref.py, benchmarks/seqtr_label_efficiency.py,
benchmarks/semires_label_efficiency.py --preset large --pretrained-encoders), one run each,
with the configs as they are in the repository and their own seeds (``--seed N`` sets
``randomness.seed`` of every training).

    python tools/model_zoo_synthref.py [--work-dir work_dirs/model_zoo_synthref]
        [--only NAME ...] [--dry-run] [--seed N]
        [--preset P --data-root DIR] [--train-options K=V ...] [--eval-options K=V ...]

``--only`` takes methods (baseline, seqtr, partial_res, lavt, semires) or step names and adds
the steps they need (e.g. ``--only partial_res`` also trains the box model). ``--dry-run``
prints the commands; a checkpoint that does not exist yet shows as ``<kept checkpoint of
STEP>``. ``--preset`` / ``--data-root`` replace the SynthRef data of every step, and
``--train-options`` / ``--eval-options`` are appended to the ``--cfg-options`` of every
training / evaluation (a short smoke run: ``--preset tiny --train-options
train_cfg.max_epochs=1``).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENC = "{dir:encoders}"  # mask-free pretrained Swin / BERT of tools/pretrain_synthref_encoders.py
LAVT_ENC = [
    f"model.backbone.pretrained={ENC}/swin.pth",
    f"model.text_encoder.pretrained={ENC}/bert",
]


def epochs(n: int, val_every: int) -> list[str]:
    """--cfg-options for ``n`` training epochs, validated and saved every ``val_every``."""
    return [
        f"train_cfg.max_epochs={n}",
        f"train_cfg.val_interval={val_every}",
        f"param_scheduler.0.end={n}",
        f"default_hooks.checkpoint.interval={val_every}",
    ]


@dataclass(frozen=True)
class Step:
    """One subprocess of the zoo.

    Attributes:
        name: unique; also the folder ``<work-dir>/<name>``.
        method: the method whose table it belongs to (``--only`` selects by it).
        tool: ``tools/<tool>.py``.
        args: the tool's arguments; ``{ckpt:S}`` (kept checkpoint of step S), ``{dir:S}``
            (folder of S), ``{data}`` / ``{preset}`` (this step's SynthRef data) and
            ``{rpp_schedule:S}`` (epochs for the refs that RPP step S kept) are filled in.
        needs: steps that must run first.
        preset: SynthRef preset of the step's data.
        keep: training steps: the checkpoint later steps use, ``best`` (the config's
            ``save_best``) or ``last``.
        row: zoo models only: ``(supervision, description)``; evaluated on val and test.
    """

    name: str
    method: str
    tool: str
    args: tuple[str, ...]
    needs: tuple[str, ...] = ()
    preset: str = "default"
    keep: str = "last"
    row: tuple[str, str] | None = None
    config: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.tool in ("train", "test"):
            object.__setattr__(self, "config", self.args[0])


def train(
    name, method, config, opts=(), needs=(), preset="default", keep="last", row=None, ema=False
) -> Step:
    """A ``tools/train.py`` step (EMA on when ``ema``, as the SeqTR-family benchmarks)."""
    opts = (["ema=True"] if ema else []) + list(opts)
    return Step(name, method, "train", (config, *opts), tuple(needs), preset, keep, row)


def rpp_steps(name: str, method: str, model: str, config: str, retrain: Step) -> list[Step]:
    """Partial-RES steps 3-4 on model step ``model``: train-split predictions, then RPP;
    followed by ``retrain`` (step 5)."""
    preds = f"{{dir:{name}_predict}}/train_preds.json"
    return [
        Step(
            f"{name}_predict",
            method,
            "test",
            (
                config,
                f"{{ckpt:{model}}}",
                "test_dataloader.dataset.split=train",
                "test_dataloader.dataset.sentence_mode=all",
                "test_evaluator.type=DumpPredictions",
                f"test_evaluator.out_file={preds}",
            ),
            (model,),
        ),
        Step(
            f"{name}_select",
            method,
            "choose_pseudo",
            (
                "--pred",
                preds,
                "--labeled",
                "{data}/supervision_1pct.json",
                "--out",
                f"{{dir:{name}_select}}/pseudo_rpp_1pct.json",
            ),
            (f"{name}_predict",),
        ),
        retrain,
    ]


SEQTR, DET = "configs/seqtr/segm_synthref.py", "configs/partial_res/seqtr-det_synthref.py"
PRES = "configs/partial_res/partial-res_synthref-{}.py"
SEMI = "configs/semires/semires_tiny_synthref-1pct-cpi.py"
FROM_DET = "load_from={ckpt:det}"
PSEUDO = "{dir:%s_select}/pseudo_rpp_1pct.json"
CPI_4X = [
    "train_dataloader.sampler.epoch_length=795",
    "train_cfg.max_epochs=12",
    "param_scheduler.0.end=12",
]
STEPS: list[Step] = [
    train(
        "baseline",
        "baseline",
        "configs/baseline/segm_synthref.py",
        row=("100% masks", "RegNetX-200MF + BiGRU + FiLM, 3 epochs"),
    ),
    train(
        "det", "seqtr", DET, ema=True, row=("100% boxes", "SeqTR box model (Partial-RES step 1)")
    ),
    train("seqtr", "seqtr", SEQTR, ema=True, row=("100% masks", "SeqTR from random weights")),
    train(
        "seqtr_from_det",
        "seqtr",
        SEQTR,
        [FROM_DET],
        ("det",),
        ema=True,
        row=("100% masks", "SeqTR from the box model"),
    ),
    *[
        train(
            f"pres_{r}pct",
            "partial_res",
            PRES.format(f"{r}pct"),
            [FROM_DET],
            ("det",),
            ema=True,
            row=(f"all boxes + {r}% masks", "Partial-RES step 2"),
        )
        for r in (1, 5, 10)
    ],
    *rpp_steps(
        "pres_1pct_rpp",
        "partial_res",
        "pres_1pct",
        PRES.format("1pct"),
        train(
            "pres_1pct_rpp",
            "partial_res",
            PRES.format("1pct-rpp"),
            [
                FROM_DET,
                "train_dataloader.dataset.pseudo_ann_file=" + PSEUDO % "pres_1pct_rpp",
                "{rpp_schedule:pres_1pct_rpp_select}",
            ],
            ("det", "pres_1pct_rpp_select"),
            ema=True,
            row=("all boxes + 1% masks", "Partial-RES steps 2-5 (RPP, release rule)"),
        ),
    ),
    train(
        "joint_1pct",
        "partial_res",
        PRES.format("1pct-joint"),
        [FROM_DET],
        ("det",),
        ema=True,
        row=("all boxes + 1% masks", "risseg joint variant"),
    ),
    *rpp_steps(
        "joint_1pct_rpp",
        "partial_res",
        "joint_1pct",
        PRES.format("1pct-joint"),
        train(
            "joint_1pct_rpp",
            "partial_res",
            PRES.format("1pct-joint"),
            [
                FROM_DET,
                *[
                    f"train_dataloader.dataset.datasets.{i}.pseudo_ann_file="
                    + PSEUDO % "joint_1pct_rpp"
                    for i in (0, 1)
                ],
            ],
            ("det", "joint_1pct_rpp_select"),
            ema=True,
            row=("all boxes + 1% masks", "risseg joint variant + RPP"),
        ),
    ),
    train(
        "lavt",
        "lavt",
        "configs/lavt/lavt_tiny_synthref.py",
        keep="best",
        row=("100% masks", "toy LAVT, random init, 2 epochs"),
    ),
    Step(
        "encoders",
        "lavt",
        "pretrain_synthref_encoders",
        ("configs/lavt/lavt_tiny_synthref.py", "--out", "{dir:encoders}"),
    ),
    train(
        "lavt_large",
        "lavt",
        "configs/lavt/lavt_tiny_synthref.py",
        [*epochs(4, 1), *LAVT_ENC],
        ("encoders",),
        "large",
        "best",
        row=("100% masks", "toy LAVT, pretrained encoders, 4 epochs (SemiRES reference)"),
    ),
    Step(
        "proposals",
        "semires",
        "generate_pseudo_labels",
        (
            "configs/semires/synth_proposals_synthref.py",
            "--out",
            "{data}/proposals",
            "--cfg-options",
            "pseudo_label_dataset.data_root={data}",
            "pseudo_label_dataset.preset={preset}",
        ),
        preset="large",
    ),
    train(
        "semires_burnin",
        "semires",
        "configs/semires/lavt_tiny_synthref-1pct-burnin.py",
        [*epochs(40, 8), *LAVT_ENC],
        ("encoders",),
        "large",
        "best",
        row=("1% images labeled", "burn-in = supervised LAVT, 40 epochs"),
    ),
    train(
        "semires_cpi",
        "semires",
        SEMI,
        [*CPI_4X, "model.burn_in_checkpoint={ckpt:semires_burnin}"],
        ("semires_burnin", "proposals"),
        "large",
        "best",
        row=("1% images labeled", "SemiRES CPI, 9540 iterations"),
    ),
    train(
        "semires_cpi_nohue",
        "semires",
        SEMI,
        [*CPI_4X, "model.views.hue=(0.0,0.0)", "model.burn_in_checkpoint={ckpt:semires_burnin}"],
        ("semires_burnin", "proposals"),
        "large",
        "best",
        row=("1% images labeled", "SemiRES CPI, strong view without hue shift (risseg)"),
    ),
]
METHODS = ("baseline", "seqtr", "partial_res", "lavt", "semires")


def data_root(step: Step, args: argparse.Namespace) -> tuple[str, str]:
    """(preset, data folder) of ``step``: ``--preset`` / ``--data-root`` or its own."""
    preset = args.preset or step.preset
    if args.data_root:
        return preset, args.data_root
    return preset, "data/synthref" if preset == "default" else f"data/synthref_{preset}"


def step_dir(name: str, args: argparse.Namespace) -> Path:
    return Path(args.work_dir).resolve() / name


def record(name: str, args: argparse.Namespace) -> dict | None:
    """The ``step.json`` of a finished step, or None."""
    path = step_dir(name, args) / "step.json"
    return json.loads(path.read_text()) if path.is_file() else None


def rpp_schedule(stats: dict, iterations: int = 300, batch: int = 32) -> list[str]:
    """--cfg-options giving RPP retraining about ``iterations`` iterations over the labeled +
    kept refs (benchmarks/seqtr_label_efficiency.py's rule: x0.1 after 80 % of the epochs)."""
    refs = stats["num_labeled"] + stats["num_kept"]
    n = max(5, math.ceil(iterations / math.ceil(refs / batch)))
    return [
        f"train_cfg.max_epochs={n}",
        f"train_cfg.val_interval={n}",
        f"default_hooks.checkpoint.interval={n}",
        f"param_scheduler.1.milestones=[{int(0.8 * n)}]",
        f"param_scheduler.1.end={n}",
    ]


def fill(arg: str, step: Step, args: argparse.Namespace) -> list[str]:
    """``arg`` with its placeholders filled in (a dry run shows unknown ones as ``<...>``)."""
    m = re.fullmatch(r"\{rpp_schedule:(\w+)\}", arg)
    if m:
        done = record(m[1], args)
        return rpp_schedule(done["stats"]) if done else [f"<epochs for the refs {m[1]} keeps>"]
    preset, data = data_root(step, args)

    def one(m: re.Match) -> str:
        kind, name = m[1], m[2]
        if kind == "dir":
            return str(step_dir(name, args))
        done = record(name, args)
        if done is None:
            if args.dry_run:
                return f"<kept checkpoint of {name}>"
            raise RuntimeError(f"step {step.name} needs the checkpoint of {name}, not trained")
        return done["checkpoint"]

    arg = re.sub(r"\{(dir|ckpt):(\w+)\}", one, arg)
    return [arg.replace("{data}", data).replace("{preset}", preset)]


def cfg_options(opts: list[str]) -> list[str]:
    return ["--cfg-options", *opts] if opts else []


def command(step: Step, args: argparse.Namespace, split: str | None = None) -> list[str]:
    """The command line of ``step``; with ``split``, the evaluation of its kept checkpoint."""
    filled = [a for arg in step.args for a in fill(arg, step, args)]
    tool = "test" if split else step.tool
    cmd = [sys.executable, f"tools/{tool}.py"]
    if tool not in ("train", "test"):
        return cmd + filled
    preset, _ = data_root(step, args)
    data = ["--preset", preset] + (["--data-root", args.data_root] if args.data_root else [])
    if split:  # evaluation of a trained zoo model
        ckpt = fill(f"{{ckpt:{step.name}}}", step, args)[0]
        opts = [f"test_dataloader.dataset.split={split}", *args.eval_options]
        work = step_dir(step.name, args) / f"eval_{split}"
        return cmd + [step.config, ckpt, "--work-dir", str(work), *data, *cfg_options(opts)]
    if tool == "train":
        opts = filled[1:] + ([f"randomness.seed={args.seed}"] if args.seed is not None else [])
        opts += args.train_options
        return cmd + [
            step.config,
            "--work-dir",
            str(step_dir(step.name, args)),
            "--resume",
            *data,
            *cfg_options(opts),
        ]
    opts = filled[2:] + args.eval_options  # a test step: config, checkpoint, options
    return cmd + [
        *filled[:2],
        "--work-dir",
        str(step_dir(step.name, args)),
        *data,
        *cfg_options(opts),
    ]


def run(cmd: list[str], log: Path) -> str:
    """Run ``cmd`` from the repository root, appending its output to ``log``; returns what this
    launch printed on stdout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = log.stat().st_size if log.is_file() else 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("a") as f:
        f.write("$ " + shlex.join(cmd) + "\n")
        f.flush()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1]} failed (exit {proc.returncode}); see {log}")
    with log.open() as f:
        f.seek(start)
        return f.read()


def kept_checkpoint(work: Path, keep: str) -> str:
    """``best_*.pth`` (``keep='best'``, when the run saved one) or the newest epoch_/iter_ file."""
    best = sorted(work.glob("best_*.pth"), key=lambda p: p.stat().st_mtime)
    if keep == "best" and best:
        return str(best[-1])
    found = sorted(work.glob("epoch_*.pth"), key=lambda p: int(p.stem.split("_")[1])) or sorted(
        work.glob("iter_*.pth"), key=lambda p: int(p.stem.split("_")[1])
    )
    if not found:
        raise FileNotFoundError(f"no checkpoint in {work}")
    return str(found[-1])


def printed_dict(text: str, log: Path) -> dict:
    """The last line of ``text`` that is a Python/JSON dict (what the tools print)."""
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return ast.literal_eval(line)
    raise RuntimeError(f"no result line printed; see {log}")


def run_step(step: Step, args: argparse.Namespace) -> None:
    """Run ``step`` unless finished, then write its ``step.json`` (checkpoint, RPP stats)."""
    work = step_dir(step.name, args)
    log = work / f"{step.tool}.log"
    printed = run(command(step, args), log)
    done: dict = dict(cmd=shlex.join(command(step, args)))
    if step.tool == "train":
        done["checkpoint"] = kept_checkpoint(work, step.keep)
    elif step.tool == "choose_pseudo":
        done["stats"] = json.loads(printed.strip().splitlines()[0])
    (work / "step.json").write_text(json.dumps(done, indent=1))


def evaluate(step: Step, split: str, args: argparse.Namespace) -> dict:
    """mIoU / oIoU (and the other printed metrics) of a zoo model on ``split``; stored in
    ``<step>/eval_<split>.json``."""
    path = step_dir(step.name, args) / f"eval_{split}.json"
    if path.is_file():
        return json.loads(path.read_text())
    log = step_dir(step.name, args) / f"eval_{split}.log"
    metrics = printed_dict(run(command(step, args, split), log), log)
    path.write_text(json.dumps(metrics, indent=1))
    return metrics


def select(only: list[str] | None) -> list[Step]:
    """The steps of ``only`` (methods or step names) and those they need, in zoo order."""
    by_name = {s.name: s for s in STEPS}
    if not only:
        return list(STEPS)
    unknown = [n for n in only if n not in by_name and n not in METHODS]
    if unknown:
        raise SystemExit(
            f"--only: unknown {unknown}; methods {list(METHODS)}, steps {list(by_name)}"
        )
    wanted = {s.name for s in STEPS if s.name in only or s.method in only}
    todo = list(wanted)
    while todo:
        for need in by_name[todo.pop()].needs:
            if need not in wanted:
                wanted.add(need)
                todo.append(need)
    return [s for s in STEPS if s.name in wanted]


def summary(args: argparse.Namespace) -> list[dict]:
    """Every evaluated zoo model in ``--work-dir`` (all steps, not only this launch's)."""
    rows = []
    for step in STEPS:
        done = record(step.name, args)
        evals = {
            split: step_dir(step.name, args) / f"eval_{split}.json" for split in ("val", "test")
        }
        if step.row is None or done is None or not all(p.is_file() for p in evals.values()):
            continue
        rows.append(
            dict(
                method=step.method,
                name=step.name,
                supervision=step.row[0],
                description=step.row[1],
                config=step.config,
                preset=data_root(step, args)[0],
                checkpoint=done["checkpoint"],
                **{s: json.loads(p.read_text()) for s, p in evals.items()},
            )
        )
    return rows


def markdown(rows: list[dict]) -> str:
    """The summary as a markdown table (``-`` where a metric is not printed, e.g. box models)."""

    def num(metrics: dict, key: str) -> str:
        return f"{metrics[key]:.2f}" if isinstance(metrics.get(key), (int, float)) else "-"

    lines = [
        "| method | model | supervision | preset | val mIoU | val oIoU | test mIoU | "
        "test oIoU | config |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['name']}: {r['description']} | {r['supervision']} | "
            f"{r['preset']} | {num(r['val'], 'mIoU')} | {num(r['val'], 'oIoU')} | "
            f"{num(r['test'], 'mIoU')} | {num(r['test'], 'oIoU')} | `{r['config']}` |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="work_dirs/model_zoo_synthref")
    parser.add_argument("--only", nargs="+", help=f"methods {list(METHODS)} or step names")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    parser.add_argument("--seed", type=int, help="randomness.seed of every training")
    parser.add_argument("--preset", help="SynthRef preset of every step (default: each its own)")
    parser.add_argument("--data-root", help="SynthRef folder of every step")
    parser.add_argument(
        "--train-options",
        nargs="+",
        default=[],
        metavar="K=V",
        help="--cfg-options appended to every training",
    )
    parser.add_argument(
        "--eval-options",
        nargs="+",
        default=[],
        metavar="K=V",
        help="--cfg-options appended to every tools/test.py run",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    steps = select(args.only)
    for i, step in enumerate(steps, 1):
        head = f"[{i}/{len(steps)}] {step.name} ({step.tool})"
        if args.dry_run:
            print(f"# {head}\n" + shlex.join(command(step, args)))
            for split in ("val", "test") if step.row else ():
                print(shlex.join(command(step, args, split)))
            continue
        start = time.perf_counter()
        if record(step.name, args) is None:
            print(f"{head}: running, log in {step_dir(step.name, args)}", flush=True)
            run_step(step, args)
        else:
            print(f"{head}: done before, skipped", flush=True)
        for split in ("val", "test") if step.row else ():
            m = evaluate(step, split, args)
            print(f"    {split}: mIoU {m.get('mIoU', '-')} oIoU {m.get('oIoU', '-')}", flush=True)
        print(f"    {time.perf_counter() - start:.0f} s", flush=True)
    if args.dry_run:
        return []
    rows = summary(args)
    out = Path(args.work_dir)
    (out / "summary.json").write_text(json.dumps(rows, indent=1))
    (out / "summary.md").write_text(markdown(rows) + "\n")
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
