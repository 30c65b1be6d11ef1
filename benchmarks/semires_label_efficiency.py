"""SemiRES label-efficiency benchmark on SynthRef (CPU): LAVT 100%, LAVT 1%, SemiRES 1%.

Runs, in order (each step is skipped when its result exists, so the script resumes):
  1. stand-in proposals for the unlabeled train images (tools/generate_pseudo_labels.py);
  2. LAVT (toy scale) trained on 100% of the masks;
  3. LAVT trained on the 1% labeled images (the supervised baseline and SemiRES's burn-in);
  4. SemiRES from the burn-in with IOM, CPI and PWA-only refinement.
Each model is evaluated on SynthRef val (every sentence of every ref, IoU at the original
128x128 resolution, prediction = foreground logit > 0): mIoU and oIoU, the teacher for SemiRES.
Also reported: training images/s, inference images/s and the peak RSS of each training process,
and the quality of the proposals (best-proposal IoU with the true mask of unlabeled refs).

Usage (from the repository root; SynthRef is generated into data/synthref on first use):
    python benchmarks/semires_label_efficiency.py [--out work_dirs/semires_bench] [--only NAME]
Results: <out>/results.json and a Markdown table on stdout (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

RUNS = {  # name -> (config, description)
    "lavt_100pct": ("configs/lavt/lavt_tiny_synthref.py", "LAVT, 100% masks"),
    "lavt_1pct": (
        "configs/semires/lavt_tiny_synthref-1pct-burnin.py",
        "LAVT, 1% masks (supervised)",
    ),
    "semires_iom": ("configs/semires/semires_tiny_synthref-1pct-iom.py", "SemiRES 1%, IOM"),
    "semires_cpi": ("configs/semires/semires_tiny_synthref-1pct-cpi.py", "SemiRES 1%, CPI"),
    "semires_pwa": ("configs/semires/semires_tiny_synthref-1pct-pwa.py", "SemiRES 1%, PWA only"),
}
PROPOSALS = "data/synthref/proposals"
# Training budgets for a shared 2-core CPU (--cfg-options on top of the configs' own schedules):
# 100%: 150 iterations of 16 (2400 refs, one epoch); 1%: 20 epochs of the 65 labeled refs
# (5 iterations each); SemiRES: 60 iterations of 4 labeled + 4 unlabeled from the 1% model.
BUDGETS = {
    "lavt_100pct": ["train_dataloader.dataset.indices=2400"],
    "lavt_1pct": [
        "train_cfg.max_epochs=20",
        "train_cfg.val_interval=20",
        "param_scheduler.0.end=20",
        "default_hooks.checkpoint.interval=20",
    ],
    "semires": [
        "train_dataloader.batch_size=8",
        "train_dataloader.sampler.batch_size=8",
        "train_dataloader.sampler.epoch_length=60",
        "custom_hooks.0.keep_rate=0.97",
    ],
}
BATCH = {"lavt_100pct": 16, "lavt_1pct": 16, "semires": 8}


def run(cmd: list[str], log: str) -> dict:
    """Run a command, log its output, and return wall time and the child's peak RSS (MiB)."""
    env = dict(
        os.environ, PYTHONPATH=os.getcwd(), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2")
    )
    start = time.time()
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed; see {log}")
    return dict(wall_s=time.time() - start, peak_rss_mib=usage.ru_maxrss / 1024)


def last_scalars(work_dir: str) -> tuple[dict, list[dict]]:
    """The last validation record and all training records of a run's scalars.json."""
    files = sorted(glob.glob(osp.join(work_dir, "*", "vis_data", "scalars.json")))
    records = [json.loads(line) for line in open(files[-1])]
    val = [r for r in records if "mIoU" in r]
    train = [r for r in records if "loss" in r]
    return val[-1], train


def best_checkpoint(work_dir: str) -> str:
    found = sorted(glob.glob(osp.join(work_dir, "best_*.pth"))) or sorted(
        glob.glob(osp.join(work_dir, "epoch_*.pth"))
    )
    if not found:
        raise FileNotFoundError(f"No checkpoint in {work_dir}")
    return found[-1]


def train(name: str, out: str, batch_size: int, extra: list[str]) -> dict:
    work_dir = osp.join(out, name)
    done = osp.join(work_dir, "result.json")
    if osp.exists(done):
        return json.load(open(done))
    os.makedirs(work_dir, exist_ok=True)
    cmd = [sys.executable, "tools/train.py", RUNS[name][0], "--work-dir", work_dir]
    if extra:
        cmd += ["--cfg-options", *extra]
    usage = run(cmd, osp.join(work_dir, "train.log"))
    val, train_records = last_scalars(work_dir)
    times = np.array([r["time"] for r in train_records if "time" in r])
    result = dict(
        name=name,
        description=RUNS[name][1],
        mIoU=val["mIoU"],
        oIoU=val["oIoU"],
        last_logged_iter=int(max((r["iter"] for r in train_records if "iter" in r), default=0)),
        train_img_per_s=float(batch_size / np.median(times)) if len(times) else None,
        sam_matched=float(np.mean([r["sam_matched"] for r in train_records if "sam_matched" in r]))
        if any("sam_matched" in r for r in train_records)
        else None,
        checkpoint=best_checkpoint(work_dir),
        **usage,
    )
    json.dump(result, open(done, "w"), indent=1)
    return result


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


def proposal_quality(n_refs: int = 500) -> dict:
    """Best-proposal IoU with the true mask, over unlabeled train refs (oracle check)."""
    from risseg.utils import register_all_modules
    from risseg.utils.proposal_io import read_proposals

    register_all_modules()
    from risseg.datasets import SynthRefDataset
    from risseg.utils.masks import segmentation_to_mask

    ds = SynthRefDataset(data_root="data/synthref", split="train", pipeline=[])
    semi = json.load(open("data/synthref/semi_1pct.json"))
    unlabeled = set(semi["none"])
    ious, counts = [], []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        if info["ref_id"] not in unlabeled:
            continue
        gt = segmentation_to_mask(info["segmentation"], info["height"], info["width"])
        props, _ = read_proposals(PROPOSALS, info["image_id"])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="work_dirs/semires_bench")
    parser.add_argument("--only", choices=list(RUNS), help="run a single step")
    parser.add_argument("--full", action="store_true", help="the configs' schedules, no budgets")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results_path = osp.join(args.out, "results.json")
    results = json.load(open(results_path)) if osp.exists(results_path) else {}

    def save():
        json.dump(results, open(results_path, "w"), indent=1)

    if "proposals" not in results:
        usage = run(
            [
                sys.executable,
                "tools/generate_pseudo_labels.py",
                "configs/semires/synth_proposals_synthref.py",
                "--out",
                PROPOSALS,
            ],
            osp.join(args.out, "proposals.log"),
        )
        results["proposals"] = dict(**proposal_quality(), **usage)
        save()
    order = [args.only] if args.only else list(RUNS)

    def budget(name: str) -> list[str]:
        return (
            [] if args.full else BUDGETS[name.split("_")[0] if name.startswith("semires") else name]
        )

    def batch(name: str) -> int:
        return (
            16
            if args.full and not name.startswith("semires")
            else (12 if args.full else BATCH["semires" if name.startswith("semires") else name])
        )

    for name in order:
        extra = budget(name)
        if name.startswith("semires"):
            burn_in = results.get("lavt_1pct") or train(
                "lavt_1pct", args.out, batch("lavt_1pct"), budget("lavt_1pct")
            )
            extra = extra + [f"model.burn_in_checkpoint={burn_in['checkpoint']}"]
        results[name] = train(name, args.out, batch(name), extra)
        save()
        print(json.dumps(results[name]), flush=True)
    if "inference" not in results and "lavt_100pct" in results:
        ckpt = results["lavt_100pct"]["checkpoint"]
        results["inference"] = dict(
            lavt_img_per_s=inference_speed(RUNS["lavt_100pct"][0], ckpt),
        )
        save()
    full = results.get("lavt_100pct", {}).get("mIoU")
    print("| model | supervision | mIoU | oIoU | mIoU / 100% | train img/s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for name in RUNS:
        r = results.get(name)
        if r is None:
            continue
        frac = f"{100 * r['mIoU'] / full:.0f}%" if full else "-"
        print(
            f"| {r['description']} | {name} | {r['mIoU']:.2f} | {r['oIoU']:.2f} | {frac} | "
            f"{r['train_img_per_s']:.1f} | {r['peak_rss_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
