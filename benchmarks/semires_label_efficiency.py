"""SemiRES label-efficiency benchmark on SynthRef (CPU): LAVT 100%, LAVT 1%, SemiRES 1%.

Runs, in order (each step is skipped when its result exists, and an interrupted training run
continues from its last checkpoint, so the script resumes):
  1. stand-in proposals for the unlabeled train images (tools/generate_pseudo_labels.py);
  2. LAVT (toy scale) trained on 100% of the masks;
  3. LAVT trained on the 1% labeled images (the supervised baseline and SemiRES's burn-in);
  4. SemiRES from the burn-in with IOM, CPI and PWA-only refinement;
  5. the same at 10% labeled images (burn-in, then CPI), and a CPI variant with 12 unlabeled
     samples per batch.
Each model is evaluated on SynthRef val (every sentence of every ref, IoU at the original
128x128 resolution, prediction = foreground logit > 0): mIoU and oIoU, the teacher for SemiRES.
A run validated several times reports the validation of the checkpoint it kept (its config's
save_best: val mIoU for LAVT, val oIoU for SemiRES-CPI, which also stops early on it); all of
its validations are in results.json. With --full the 100% reference trains at least as many
iterations and samples as burn-in + SemiRES together (checked and printed at the end).
Also reported: training images/s, inference images/s and the peak RSS of each training process,
and the quality of the proposals (best-proposal IoU with the true mask of unlabeled refs).

With --pretrained-encoders DIR the LAVT runs (100% and the burn-ins) start from the mask-free
pretrained Swin and BERT of tools/pretrain_synthref_encoders.py (as real LAVT / SemiRES runs
start from ImageNet Swin and BERT); SemiRES starts from its burn-in, so it inherits them.

With --preset large every run uses SynthRef's RefCOCO-scale preset (data/synthref_large, 42.5k
train refs; its 1% split labels 425 refs as RefCOCO's 1% does, where the default preset's labels
65): the configs are rewritten to that data under <out>/configs and the budgets of
LARGE_BUDGETS apply; more runs exist there: a 40-epoch burn-in (lavt_1pct_long), SemiRES-CPI
from it (semires_cpi_long) and, from the same burn-in and on the same schedule, SemiRES with IOM
(semires_iom_long), with PWA only (semires_pwa_long) and with risseg's top-scoring-proposal
refinement (semires_top_long); and the same comparison at twice the budget: the 100% reference
trained two epochs (lavt_100pct_2x) against SemiRES-CPI trained 4200 iterations from the same
40-epoch burn-in (semires_cpi_2x), and at three times the budget (lavt_100pct_3x: three epochs;
semires_cpi_3x: 6840 iterations) and four times (lavt_100pct_4x, semires_cpi_4x: 9540
iterations); and risseg's teacher averaged over every sentence of the ref
(model.teacher_all_sentences) on CPI's 1x and 4x schedules (semires_cpi_allsent_long,
semires_cpi_allsent_4x), and at 4x from the 7th of 12 epochs on only
(semires_cpi_allsent_late_4x); and SemiRES-CPI at 4x with a strong view that shifts no hue
(semires_cpi_nohue_4x). Each run's ratio and budget check use its own reference.

Usage (from the repository root; SynthRef is generated into data/synthref on first use):
    OMP_NUM_THREADS=1 python benchmarks/semires_label_efficiency.py --full \
        [--out work_dirs/semires_bench] [--only NAME] [--pretrained-encoders DIR] [--seed N] \
        [--preset large]
Results: <out>/results.json and a Markdown table on stdout (docs/benchmarks.md).
Held-out figures of the kept (val-chosen) checkpoints on the test split (testA + testB), stored
in each run's result.json, training nothing:
    python benchmarks/semires_label_efficiency.py --preset large --out OUT --test-split
Over seeds (one --out directory per seed), the means, each SemiRES run's ratio to its reference
and its gain over its burn-in (and the same on the test split where evaluated), training nothing:
    python benchmarks/semires_label_efficiency.py --summary work_dirs/sblarge work_dirs/sblarge_s1
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np


def schedule(epochs: int, val_every: int) -> list[str]:
    """--cfg-options training ``epochs`` with validation and a checkpoint every ``val_every``."""
    return [
        f"train_cfg.max_epochs={epochs}",
        f"train_cfg.val_interval={val_every}",
        f"param_scheduler.0.end={epochs}",
        f"default_hooks.checkpoint.interval={val_every}",
    ]


def semires_epochs(epochs: int, length: int) -> list[str]:
    """--cfg-options of a SemiRES run of ``epochs`` "epochs" of ``length`` iterations each."""
    return [
        f"train_dataloader.sampler.epoch_length={length}",
        f"train_cfg.max_epochs={epochs}",
        f"param_scheduler.0.end={epochs}",
    ]


RUNS = {  # name -> (config, description, --cfg-options of the run in every mode)
    "lavt_100pct": ("configs/lavt/lavt_tiny_synthref.py", "LAVT, 100% masks", []),
    "lavt_1pct": (
        "configs/semires/lavt_tiny_synthref-1pct-burnin.py",
        "LAVT, 1% masks (supervised)",
        [],
    ),
    "semires_iom": ("configs/semires/semires_tiny_synthref-1pct-iom.py", "SemiRES 1%, IOM", []),
    "semires_cpi": ("configs/semires/semires_tiny_synthref-1pct-cpi.py", "SemiRES 1%, CPI", []),
    "semires_pwa": (
        "configs/semires/semires_tiny_synthref-1pct-pwa.py",
        "SemiRES 1%, PWA only",
        [],
    ),
    # 10% of the train images labeled (semi_10pct.json, 661 refs): a better teacher
    "lavt_10pct": (
        "configs/semires/lavt_tiny_synthref-1pct-burnin.py",
        "LAVT, 10% masks (supervised)",
        # 7 epochs of 42 iterations, each validated: burn-in + SemiRES stays within the
        # budget of the 100% reference (287 + 1350 <= 1676 iterations)
        ["train_dataloader.dataset.supervision_file=semi_10pct.json", "train_cfg.max_epochs=7",
         "param_scheduler.0.end=7", "train_cfg.val_interval=1",
         "default_hooks.checkpoint.interval=1"],
    ),
    "semires_cpi_10pct": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 10%, CPI",
        ["train_dataloader.dataset.datasets.0.supervision_file=semi_10pct.json",
         "train_dataloader.dataset.datasets.1.supervision_file=semi_10pct.json"],
    ),
    # risseg option, not SemiRES: only the more confident half of the teacher's masks per batch
    "semires_cpi_conf50": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 1%, CPI, 50% most confident pseudo labels",
        ["model.confident_fraction=0.5"],
    ),
    # variant: 4 labeled + 12 unlabeled per batch (the 100% reference's batch of 16)
    "semires_cpi_u12": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 1%, CPI, 12 unlabeled per batch",
        ["train_dataloader.batch_size=16", "train_dataloader.sampler.batch_size=16"],
    ),
    # --preset large only: the burn-in gets the budget the 20-epoch one leaves unused (40
    # epochs; see LARGE_BUDGETS), SemiRES-CPI (unchanged) starts from it
    "lavt_1pct_long": (
        "configs/semires/lavt_tiny_synthref-1pct-burnin.py",
        "LAVT, 1% masks (supervised), 40-epoch burn-in",
        [],
    ),
    "semires_cpi_long": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 1%, CPI, from the 40-epoch burn-in",
        [],
    ),
    # the other two refinements from the same burn-in, on semires_cpi_long's schedule (9
    # epochs of 150, best val oIoU kept) with the IOM release's 10 x L_sup
    "semires_iom_long": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 1%, IOM, from the 40-epoch burn-in",
        ["model.refine=iom", "model.sup_weight=10.0"],
    ),
    "semires_pwa_long": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 1%, PWA only, from the 40-epoch burn-in",
        ["model.refine=pwa", "model.sup_weight=10.0"],
    ),
    # risseg option, not SemiRES: the top-scoring proposal as the pseudo label instead of CPI
    "semires_top_long": (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        "SemiRES 1%, top-scoring proposal (risseg), from the 40-epoch burn-in",
        ["model.refine=top"],
    ),
}
# --preset large, k times the budget (k = 2, 3, 4): the 100% reference lavt_100pct_<k>x trains
# k epochs (k x 2657 iterations of 16), semires_cpi_<k>x 12 epochs of the given length from the
# 40-epoch burn-in (lavt_1pct_long, 1080 iterations of 16), so that burn-in + CPI stays within the
# reference: 2x 1080 + 4200 = 5280 <= 5314 iterations (67.7k <= 85.0k samples), 3x 7920 <= 7971
# (99.4k <= 127.5k), 4x 10620 <= 10628 (131.8k <= 170.0k); 12 validations each.
BUDGET_MULTIPLES = {2: ("twice", 350), 3: ("three times", 570), 4: ("four times", 795)}
for _k, (_words, _length) in BUDGET_MULTIPLES.items():
    RUNS[f"lavt_100pct_{_k}x"] = (
        "configs/lavt/lavt_tiny_synthref.py", f"LAVT, 100% masks, {_k} epochs", [])
    RUNS[f"semires_cpi_{_k}x"] = (
        "configs/semires/semires_tiny_synthref-1pct-cpi.py",
        f"SemiRES 1%, CPI, from the 40-epoch burn-in, {_words} the budget",
        semires_epochs(12, length=_length),
    )
# risseg option, not SemiRES: the teacher averages its probabilities over every sentence of the
# ref (model.teacher_all_sentences); CPI otherwise unchanged, at 1x and 4x the budget
ALL_SENTENCES = ["model.teacher_all_sentences=True"]
RUNS["semires_cpi_allsent_long"] = (
    "configs/semires/semires_tiny_synthref-1pct-cpi.py",
    "SemiRES 1%, CPI, teacher over all sentences (risseg), from the 40-epoch burn-in",
    ALL_SENTENCES,
)
RUNS["semires_cpi_allsent_4x"] = (
    "configs/semires/semires_tiny_synthref-1pct-cpi.py",
    "SemiRES 1%, CPI, teacher over all sentences (risseg), from the 40-epoch burn-in, "
    "four times the budget",
    semires_epochs(12, length=BUDGET_MULTIPLES[4][1]) + ALL_SENTENCES,
)
# the same, averaged only from the 7th of the 12 epochs on (ModelOptionSwitchHook), so that the
# averaged teacher is one already trained with SemiRES's single sentence
RUNS["semires_cpi_allsent_late_4x"] = (
    "configs/semires/semires_tiny_synthref-1pct-cpi.py",
    "SemiRES 1%, CPI, teacher over all sentences from epoch 7 of 12 (risseg), from the 40-epoch "
    "burn-in, four times the budget",
    semires_epochs(12, length=BUDGET_MULTIPLES[4][1]),
)
# SemiRES-CPI at 4x with a strong view that keeps colours: brightness, contrast and saturation
# jitter as the release, but no hue shift, so that a sentence naming a colour stays true of the
# student's image (38% of SynthRef large's train sentences name one)
RUNS["semires_cpi_nohue_4x"] = (
    "configs/semires/semires_tiny_synthref-1pct-cpi.py",
    "SemiRES 1%, CPI, strong view without hue shift, from the 40-epoch burn-in, four times the "
    "budget",
    semires_epochs(12, length=BUDGET_MULTIPLES[4][1]) + ["model.views.hue=(0.0,0.0)"],
)
# run -> hooks appended to its config's custom_hooks (--cfg-options cannot extend a list)
EXTRA_HOOKS = {
    "semires_cpi_allsent_late_4x": [
        dict(type="ModelOptionSwitchHook", option="teacher_all_sentences", value=True,
             begin_epoch=6),
    ],
}
# runs that exist for --preset large only
LARGE_ONLY = (
    "lavt_1pct_long", "semires_cpi_long", "semires_iom_long", "semires_pwa_long",
    "semires_top_long", "semires_cpi_allsent_long", "semires_cpi_allsent_4x",
    "semires_cpi_allsent_late_4x", "semires_cpi_nohue_4x",
    *(f"{run}_{k}x" for k in BUDGET_MULTIPLES for run in ("lavt_100pct", "semires_cpi")),
)
DATA_ROOTS = {"default": "data/synthref", "large": "data/synthref_large"}  # --preset -> data
# --preset large (RefCOCO's scale: 42.5k train refs, 425 of them labeled at 1%), --full:
# one epoch (2656 iterations of 16) for the 100% reference, a 20-epoch burn-in on the 425
# labeled refs (27 iterations each = 540, validated every 4 epochs); 540 + 1350 SemiRES
# iterations of 12 stay within the reference's budget.
LARGE_BUDGETS = {
    "lavt_100pct": schedule(1, val_every=1),
    "lavt_1pct": schedule(20, val_every=4),
    **{f"lavt_100pct_{k}x": schedule(k, val_every=1) for k in BUDGET_MULTIPLES},
    # 40 epochs = 1080 iterations, validated every 8: 1080 + 1350 SemiRES iterations of 12 =
    # 2430 iterations / 33.5k samples, still within the reference's 2657 / 42.5k
    "lavt_1pct_long": schedule(40, val_every=8),
}
# --full: the configs' schedules, except that the 100% reference gets at least the training
# budget of burn-in + SemiRES together (fair budget): 4 epochs of 419 iterations of 16 = 1676
# iterations / 26.8k samples >= 300 burn-in iterations of 16 + at most 1350 SemiRES iterations
# of 12 (= 1650 iterations / 21.0k samples), validated after every epoch like SemiRES-CPI.
FULL_BUDGETS = {
    "lavt_100pct": schedule(4, val_every=1),
}
# Smoke budgets for a shared 2-core CPU (without --full):
# 100%: 150 iterations of 16 (2400 refs, one epoch); 1%: 20 epochs of the 65 labeled refs
# (5 iterations each); SemiRES: 60 iterations of 4 labeled + 4 unlabeled from the 1% model.
BUDGETS = {
    "lavt_100pct": ["train_dataloader.dataset.indices=2400"],
    "lavt_1pct": schedule(20, val_every=20),
    "lavt_10pct": ["train_cfg.max_epochs=2", "param_scheduler.0.end=2"],
    "lavt_1pct_long": schedule(40, val_every=20),
    "semires": [
        "train_dataloader.batch_size=8",
        "train_dataloader.sampler.batch_size=8",
        "train_dataloader.sampler.epoch_length=60",
        *schedule(1, val_every=1),
        "custom_hooks.0.keep_rate=0.97",
    ],
}
BATCH = {"lavt_100pct": 16, "lavt_1pct": 16, "lavt_1pct_long": 16, "lavt_10pct": 16, "semires": 8}
# SemiRES run -> its burn-in (default lavt_1pct)
BURN_IN = {
    "semires_cpi_10pct": "lavt_10pct",
    "semires_cpi_long": "lavt_1pct_long",
    "semires_iom_long": "lavt_1pct_long",
    "semires_pwa_long": "lavt_1pct_long",
    "semires_top_long": "lavt_1pct_long",
    **{f"semires_cpi_{k}x": "lavt_1pct_long" for k in BUDGET_MULTIPLES},
    "semires_cpi_allsent_long": "lavt_1pct_long",
    "semires_cpi_allsent_4x": "lavt_1pct_long",
    "semires_cpi_allsent_late_4x": "lavt_1pct_long",
    "semires_cpi_nohue_4x": "lavt_1pct_long",
}
# SemiRES run -> the 100% reference it is compared with (default lavt_100pct)
REFERENCE = {f"semires_cpi_{k}x": f"lavt_100pct_{k}x" for k in BUDGET_MULTIPLES}
REFERENCE["semires_cpi_allsent_4x"] = "lavt_100pct_4x"
REFERENCE["semires_cpi_allsent_late_4x"] = "lavt_100pct_4x"
REFERENCE["semires_cpi_nohue_4x"] = "lavt_100pct_4x"


def reference_of(name: str) -> str:
    """The 100% run ``name`` is compared with: itself for a 100% run, else ``REFERENCE``."""
    return name if name.startswith("lavt_100pct") else REFERENCE.get(name, "lavt_100pct")


FULL_BATCH = {"semires_cpi_u12": 16}  # student batch (labeled + unlabeled); default 12


def rebased_config(config: str, preset: str, out: str) -> str:
    """``config`` with every SynthRef path and preset moved to ``preset``'s data, dumped to
    ``out`` (the config itself for the default preset).

    Every string under ``data/synthref/`` (data roots, vocabulary, proposals) is moved to the
    preset's folder and every ``preset="default"`` becomes ``preset``.
    """
    if preset == "default":
        return config
    from mmengine.config import Config

    old, new = DATA_ROOTS["default"], DATA_ROOTS[preset]

    def move(node):
        if isinstance(node, dict):
            return {k: (preset if k == "preset" and v == "default" else move(v))
                    for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return type(node)(move(v) for v in node)
        if isinstance(node, str) and (node == old or node.startswith(old + "/")):
            return new + node[len(old):]
        return node

    os.makedirs(out, exist_ok=True)
    path = osp.join(out, osp.basename(config))
    Config(move(Config.fromfile(config).to_dict())).dump(path)
    return path


def run_config(name: str, preset: str, out: str) -> str:
    """The config file run ``name`` trains and tests with: its config moved to ``preset``'s
    data (``rebased_config``), with the run's ``EXTRA_HOOKS`` appended (then dumped to
    ``<out>/configs/<name>.py``)."""
    config = rebased_config(RUNS[name][0], preset, osp.join(out, "configs"))
    if name not in EXTRA_HOOKS:
        return config
    from mmengine.config import Config

    cfg = Config.fromfile(config)
    cfg.custom_hooks = list(cfg.get("custom_hooks", [])) + EXTRA_HOOKS[name]
    path = osp.join(out, "configs", f"{name}.py")
    os.makedirs(osp.dirname(path), exist_ok=True)
    cfg.dump(path)
    return path


def run(cmd: list[str], log: str) -> dict:
    """Run a command, log its output, and return wall time and the child's peak RSS (MiB)."""
    env = dict(
        os.environ, PYTHONPATH=os.getcwd(), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2")
    )
    start = time.time()
    with open(log, "a") as f:  # a relaunch (resume) keeps the earlier launches' output
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed; see {log}")
    return dict(wall_s=time.time() - start, peak_rss_mib=usage.ru_maxrss / 1024)


def scalars(work_dir: str) -> tuple[list[dict], list[dict]]:
    """Validation and training records of a run, over all its launches (one timestamped
    scalars.json each; a resumed run continues in a new one): the validations by epoch, a
    later launch's record of an epoch replacing an earlier one's, and every training record."""
    files = sorted(glob.glob(osp.join(work_dir, "*", "vis_data", "scalars.json")))
    if not files:
        raise FileNotFoundError(f"No scalars.json under {work_dir}")
    val, train_records = {}, []
    for path in files:  # timestamped folder names sort chronologically
        with open(path, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                if "mIoU" in record:
                    val[record.get("step")] = record
                elif "loss" in record:
                    train_records.append(record)
    return list(val.values()), train_records


def best_checkpoint(work_dir: str) -> str:
    found = sorted(glob.glob(osp.join(work_dir, "best_*.pth"))) or sorted(
        glob.glob(osp.join(work_dir, "epoch_*.pth"))
    )
    if not found:
        raise FileNotFoundError(f"No checkpoint in {work_dir}")
    return found[-1]


def trained_iterations(work_dir: str) -> int:
    """Iterations of a finished run, from its last checkpoint's meta (the log skips some)."""
    import torch

    last = open(osp.join(work_dir, "last_checkpoint")).read().strip()
    return int(torch.load(last, map_location="cpu", weights_only=False)["meta"]["iter"])


def summarise(name: str, work_dir: str, batch_size: int) -> dict:
    """Figures of a finished run: those of the validation that chose the kept checkpoint.

    The kept checkpoint is the config's ``save_best`` one (best val mIoU for LAVT, best val
    oIoU for SemiRES-CPI, as the releases); with a single validation it is the last one.
    """
    val, train_records = scalars(work_dir)
    ckpt = best_checkpoint(work_dir)
    epoch = int(ckpt.rsplit("_", 1)[-1].split(".")[0])
    chosen = [r for r in val if r.get("step") == epoch] or val[-1:]
    times = np.array([r["time"] for r in train_records if "time" in r])
    iters = trained_iterations(work_dir)
    matched = [r["sam_matched"] for r in train_records if "sam_matched" in r]
    return dict(
        name=name,
        description=RUNS[name][1],
        mIoU=chosen[-1]["mIoU"],
        oIoU=chosen[-1]["oIoU"],
        selected_epoch=epoch,
        validations=[dict(epoch=r.get("step"), mIoU=r["mIoU"], oIoU=r["oIoU"]) for r in val],
        iterations=iters,
        batch_size=batch_size,
        train_img_per_s=float(batch_size / np.median(times)) if len(times) else None,
        sam_matched=float(np.mean(matched)) if matched else None,
        checkpoint=ckpt,
    )


def train(name: str, out: str, batch_size: int, extra: list[str], preset: str = "default") -> dict:
    work_dir = osp.join(out, name)
    done = osp.join(work_dir, "result.json")
    if osp.exists(done):
        result = json.load(open(done))
        if "iterations" not in result:  # written by an older version of this script
            usage = {k: result[k] for k in ("wall_s", "peak_rss_mib")}
            result = dict(**summarise(name, work_dir, batch_size), **usage)
            json.dump(result, open(done, "w"), indent=1)
        return result
    os.makedirs(work_dir, exist_ok=True)
    config = run_config(name, preset, out)
    # --resume: an interrupted run continues from its last checkpoint (a first launch starts
    # afresh); its wall time is then that of the last launch
    resumed = osp.exists(osp.join(work_dir, "last_checkpoint"))
    cmd = [sys.executable, "tools/train.py", config, "--work-dir", work_dir, "--resume"]
    extra = RUNS[name][2] + extra
    if extra:
        cmd += ["--cfg-options", *extra]
    usage = run(cmd, osp.join(work_dir, "train.log"))
    result = dict(**summarise(name, work_dir, batch_size), cmd=" ".join(cmd), **usage,
                  resumed=resumed)
    json.dump(result, open(done, "w"), indent=1)
    return result


def evaluate_on_test(name: str, out: str, preset: str) -> dict:
    """Evaluate the kept checkpoint of the finished run ``name`` on SynthRef's test split
    (testA + testB, every sentence; the val protocol otherwise) with tools/test.py, store the
    figures as ``test`` in its result.json and return them (the stored ones, without
    evaluating again, when they are already there).

    The checkpoints are chosen on val, so these are the held-out figures of the same models.
    """
    done = osp.join(out, name, "result.json")
    with open(done, encoding="utf-8") as f:
        result = json.load(f)
    if "test" in result:
        return result["test"]
    config = run_config(name, preset, out)
    log = osp.join(out, name, "test_split.log")
    usage = run([sys.executable, "tools/test.py", config, result["checkpoint"], "--work-dir",
                 osp.join(out, name, "test_split")], log)
    with open(log, encoding="utf-8") as f:
        printed = [line for line in f if line.startswith("{")]
    if not printed:
        raise RuntimeError(f"tools/test.py printed no metrics; see {log}")
    metrics = ast.literal_eval(printed[-1])
    result["test"] = dict(split="test", mIoU=metrics["mIoU"], oIoU=metrics["oIoU"],
                          checkpoint=result["checkpoint"], wall_s=usage["wall_s"])
    with open(done, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return result["test"]


def inference_speed(config: str, checkpoint: str, n_batches: int = 20) -> float:
    """Images/s of ``predict`` on SynthRef val batches (data loading excluded)."""
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner, load_checkpoint

    from risseg.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(config)
    loader = Runner.build_dataloader(cfg.val_dataloader)
    from risseg.models.utils import build

    model = build(cfg.model).eval()
    load_checkpoint(model, checkpoint, map_location="cpu")
    batches = [b for _, b in zip(range(n_batches), loader, strict=False)]
    n, elapsed = 0, 0.0
    with torch.no_grad():
        for batch in batches:
            data = model.data_preprocessor(batch, False)
            start = time.perf_counter()
            model(**data, mode="predict")
            elapsed += time.perf_counter() - start
            n += len(data["data_samples"])
    return n / elapsed


def proposal_quality(preset: str, n_refs: int = 500) -> dict:
    """Best-proposal IoU with the true mask, over unlabeled train refs (oracle check)."""
    from risseg.utils import register_all_modules
    from risseg.utils.proposal_io import read_proposals

    register_all_modules()
    from risseg.datasets import SynthRefDataset
    from risseg.utils.masks import segmentation_to_mask

    data_root = DATA_ROOTS[preset]
    ds = SynthRefDataset(data_root=data_root, preset=preset, split="train", pipeline=[])
    semi = json.load(open(osp.join(data_root, "semi_1pct.json")))
    unlabeled = set(semi["none"])
    ious, counts = [], []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        if info["ref_id"] not in unlabeled:
            continue
        gt = segmentation_to_mask(info["segmentation"], info["height"], info["width"])
        props, _ = read_proposals(osp.join(data_root, "proposals"), info["image_id"])
        counts.append(len(props))
        inter = (props & gt).sum((1, 2))
        union = (props | gt).sum((1, 2))
        ious.append(float((inter / np.maximum(union, 1)).max()) if len(props) else 0.0)
        if len(ious) == n_refs:
            break
    ious = np.array(ious)
    return dict(
        refs=len(ious),
        mean_best_iou=float(ious.mean()),
        frac_best_iou_gt_0_5=float((ious > 0.5).mean()),
        mean_proposals=float(np.mean(counts)),
    )


def save_results(results: dict, path: str) -> None:
    """Write ``results`` (run name -> figures) to ``path``, a file parallel --only jobs share.

    What another job saved since this one read the file (its runs, the inference figure) is
    kept (merged into ``results`` too); the file is written aside and renamed, so that a job
    starting meanwhile never reads a half-written file.
    """
    if osp.exists(path):
        with open(path, encoding="utf-8") as f:
            for key, value in json.load(f).items():
                results.setdefault(key, value)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    os.replace(tmp, path)


def load_results(out: str) -> dict:
    """The results of the benchmark directory ``out``: its results.json, where each run's own
    ``<out>/<run>/result.json`` wins (several --only jobs may share ``out``); {} when empty."""
    path = osp.join(out, "results.json")
    results = {}
    if osp.exists(path):
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    for name in RUNS:
        done = osp.join(out, name, "result.json")
        if osp.exists(done):
            with open(done, encoding="utf-8") as f:
                results[name] = json.load(f)
    return results


def seed_summary(per_seed: dict[str, dict]) -> list[str]:
    """Markdown table over seeds: every run finished in each of ``per_seed``'s results (one
    benchmark directory per seed), with its mean and sample standard deviation of mIoU and oIoU.

    A SemiRES run also gets the ratio of its mean to its reference's mean (mIoU and oIoU, the
    figure docs/benchmarks.md reports), the per-seed mIoU ratios and its mean gain over its
    burn-in, where the reference and the burn-in finished in every directory too. The same
    table follows for the test split, over the runs evaluated there in every directory
    (``--test-split``).
    """
    seeds = list(per_seed)
    header = [
        "| run | mIoU mean (sd) | oIoU mean (sd) | mIoU / 100% | oIoU / 100% | "
        "per seed mIoU / 100% | mIoU over burn-in |",
        "|---|---|---|---|---|---|---|",
    ]

    def mean_sd(values: np.ndarray) -> str:
        sd = f"{values.std(ddof=1):.2f}" if len(values) > 1 else "-"
        return f"{values.mean():.2f} ({sd})"

    def table(split: str | None) -> list[str]:
        def figures(name: str, key: str) -> np.ndarray | None:
            found = [per_seed[s].get(name) for s in seeds]
            if split is not None:
                found = [r.get(split) if r else None for r in found]
            if not all(found):
                return None
            return np.array([r[key] for r in found], dtype=float)

        rows = []
        for name in RUNS:
            miou, oiou = figures(name, "mIoU"), figures(name, "oIoU")
            if miou is None:
                continue
            ratio = ratio_o = per_seed_ratio = gain = "-"
            if name.startswith("semires"):
                ref = reference_of(name)
                ref_m, ref_o = figures(ref, "mIoU"), figures(ref, "oIoU")
                if ref_m is not None:
                    ratio = f"{100 * miou.mean() / ref_m.mean():.1f}%"
                    ratio_o = f"{100 * oiou.mean() / ref_o.mean():.1f}%"
                    per_seed_ratio = " / ".join(
                        f"{100 * m / r:.1f}" for m, r in zip(miou, ref_m, strict=True)
                    )
                burn = figures(BURN_IN.get(name, "lavt_1pct"), "mIoU")
                if burn is not None:
                    gain = f"{(miou - burn).mean():+.2f}"
            rows.append(
                f"| {name} | {mean_sd(miou)} | {mean_sd(oiou)} | {ratio} | {ratio_o} | "
                f"{per_seed_ratio} | {gain} |"
            )
        return rows

    lines = [f"{len(seeds)} seeds: " + ", ".join(seeds), "val (checkpoints chosen on it):",
             *header, *table(None)]
    test_rows = table("test")
    if test_rows:
        lines += ["", "test split (testA + testB), the same checkpoints:", *header, *test_rows]
    return lines


def report(results: dict) -> list[str]:
    """Markdown table of the finished runs and the budget check of each SemiRES run.

    Each run is compared with its own 100% reference (``reference_of``);
    a SemiRES run's budget is fair when its burn-in and itself together trained at most the
    reference's iterations and samples.
    """
    lines = [
        "| model | supervision | iterations x batch | mIoU | oIoU | mIoU / 100% | "
        "train img/s | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in RUNS:
        r = results.get(name)
        if r is None:
            continue
        full = results.get(reference_of(name), {}).get("mIoU")
        frac = f"{100 * r['mIoU'] / full:.0f}%" if full else "-"
        lines.append(
            f"| {r['description']} | {name} | {r['iterations']} x {r.get('batch_size')} | "
            f"{r['mIoU']:.2f} | {r['oIoU']:.2f} | {frac} | "
            f"{r['train_img_per_s']:.1f} | {r['peak_rss_mib']:.0f} |"
        )

    def budget_of(r: dict) -> tuple[int, int]:
        return r["iterations"], r["iterations"] * r["batch_size"]

    for name in RUNS:
        burn_name = BURN_IN.get(name, "lavt_1pct")
        ref_name = reference_of(name)
        if name.startswith("semires") and all(n in results for n in (name, burn_name, ref_name)):
            ref_it, ref_n = budget_of(results[ref_name])
            burn_it, burn_n = budget_of(results[burn_name])
            it, n = budget_of(results[name])
            fair = ref_it >= burn_it + it and ref_n >= burn_n + n
            lines.append(
                f"budget {name}: burn-in + SemiRES {burn_it + it} iterations / "
                f"{burn_n + n} samples, {ref_name} {ref_it} / {ref_n}: "
                + ("fair" if fair else "NOT fair: the reference trained less")
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="work_dirs/semires_bench")
    parser.add_argument("--only", choices=list(RUNS), help="run a single step")
    parser.add_argument("--full", action="store_true", help="the configs' schedules, no budgets")
    parser.add_argument("--report", action="store_true", help="print the table, train nothing")
    parser.add_argument("--seed", type=int, help="randomness.seed of every run (default: none)")
    parser.add_argument(
        "--test-split",
        action="store_true",
        help="train nothing: evaluate the kept checkpoint of every finished run of --out (or of "
        "--only NAME) on the test split (testA + testB), stored as 'test' in its result.json",
    )
    parser.add_argument(
        "--summary",
        nargs="+",
        metavar="OUT",
        help="train nothing: print the mean over the seeds of these --out directories (one per "
        "seed) of every run finished in all of them, and each SemiRES run's ratio to its 100%% "
        "reference",
    )
    parser.add_argument(
        "--pretrained-encoders",
        metavar="DIR",
        help="start every LAVT run (100%% and the burn-ins) from the mask-free Swin / BERT "
        "of tools/pretrain_synthref_encoders.py in DIR (trained there first when missing), the "
        "stand-in for the ImageNet Swin and pretrained BERT of real runs",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(DATA_ROOTS),
        default="default",
        help="SynthRef preset of every run: 'large' has RefCOCO's scale (data/synthref_large, "
        "made first with tools/data/make_synthref.py --preset large --out data/synthref_large)",
    )
    args = parser.parse_args()
    if args.only in LARGE_ONLY and args.preset != "large":
        parser.error(f"--only {args.only} exists for --preset large only")
    data_root = DATA_ROOTS[args.preset]
    if args.preset != "default" and not osp.exists(osp.join(data_root, "synthref_meta.json")):
        parser.error(f"{data_root} is missing: run tools/data/make_synthref.py --preset "
                     f"{args.preset} --out {data_root} first")
    if args.summary:
        print("\n".join(seed_summary({out: load_results(out) for out in args.summary})))
        return
    if args.test_split:
        finished = [n for n in RUNS if osp.exists(osp.join(args.out, n, "result.json"))]
        if args.only and args.only not in finished:
            parser.error(f"{args.only} has not finished in {args.out}")
        for name in [args.only] if args.only else finished:
            test = evaluate_on_test(name, args.out, args.preset)
            print(f"{name}: test mIoU {test['mIoU']:.2f} / oIoU {test['oIoU']:.2f}", flush=True)
        return
    os.makedirs(args.out, exist_ok=True)
    results_path = osp.join(args.out, "results.json")
    results = load_results(args.out)

    def save():
        save_results(results, results_path)

    save()

    if "proposals" not in results and not args.report:
        usage = run(
            [
                sys.executable,
                "tools/generate_pseudo_labels.py",
                rebased_config("configs/semires/synth_proposals_synthref.py", args.preset,
                               osp.join(args.out, "configs")),
                "--out",
                osp.join(data_root, "proposals"),
            ],
            osp.join(args.out, "proposals.log"),
        )
        results["proposals"] = dict(**proposal_quality(args.preset), **usage)
        save()
    encoder_opts = []
    if args.pretrained_encoders and not args.report:
        enc = args.pretrained_encoders
        if not (osp.exists(osp.join(enc, "swin.pth")) and osp.isdir(osp.join(enc, "bert"))):
            usage = run(
                [sys.executable, "tools/pretrain_synthref_encoders.py", RUNS["lavt_100pct"][0],
                 "--out", enc],
                osp.join(args.out, "pretrain_encoders.log"),
            )
            results["encoders_usage"] = usage
        with open(osp.join(enc, "pretrain_log.json"), encoding="utf-8") as f:
            log = json.load(f)
        results["encoders"] = dict(
            dir=enc, corpus=log["corpus"], corpus_seed=log["corpus_seed"],
            swin_epochs=len(log["swin"]), swin_last=log["swin"][-1],
            bert_epochs=len(log["bert"]), bert_last=log["bert"][-1],
        )
        save()
        encoder_opts = [
            f"model.backbone.pretrained={enc}/swin.pth",
            f"model.text_encoder.pretrained={enc}/bert",
        ]
    runs = [n for n in RUNS if args.preset == "large" or n not in LARGE_ONLY]
    order = [] if args.report else [args.only] if args.only else runs

    def budget(name: str) -> list[str]:
        if args.full:
            budgets = LARGE_BUDGETS if args.preset == "large" else FULL_BUDGETS
            return budgets.get(name, [])
        return BUDGETS[name.split("_")[0] if name.startswith("semires") else name]

    def batch(name: str) -> int:
        if args.full:
            return FULL_BATCH.get(name, 12 if name.startswith("semires") else 16)
        return BATCH["semires" if name.startswith("semires") else name]

    seed_opts = [f"randomness.seed={args.seed}"] if args.seed is not None else []
    for name in order:
        extra = budget(name) + seed_opts + (encoder_opts if name.startswith("lavt") else [])
        if name.startswith("semires"):
            burn_name = BURN_IN.get(name, "lavt_1pct")
            burn_in = results.get(burn_name) or train(
                burn_name, args.out, batch(burn_name), budget(burn_name) + seed_opts + encoder_opts,
                args.preset,
            )
            results[burn_name] = burn_in  # the table and the budget check below need it
            save()
            extra = extra + [f"model.burn_in_checkpoint={burn_in['checkpoint']}"]
        results[name] = train(name, args.out, batch(name), extra, args.preset)
        save()
        print(json.dumps(results[name]), flush=True)
    if "inference" not in results and "lavt_100pct" in results and not args.report:
        ckpt = results["lavt_100pct"]["checkpoint"]
        results["inference"] = dict(
            lavt_img_per_s=inference_speed(RUNS["lavt_100pct"][0], ckpt),
        )
        save()
    print("\n".join(report(results)))


if __name__ == "__main__":
    main()
