"""SemiRES label-efficiency benchmark on SynthRef (CPU): LAVT 100%, LAVT 1%, SemiRES 1%.

Runs, in order (each step is skipped when its result exists, and an interrupted training run
continues from its last checkpoint, so the script resumes):
  1. stand-in proposals for the unlabeled train images (tools/generate_pseudo_labels.py);
  2. every run of benchmarks/semires/runs.py (a config and a --cfg-options diff each): LAVT on
     100% of the masks, LAVT on the 1% labeled images (the supervised baseline and SemiRES's
     burn-in), SemiRES from the burn-in with IOM, CPI and PWA-only refinement, the same at 10%
     labeled images, and variants; a SemiRES run trains its burn-in first when missing.
A run on the proposals of another generator (semires_cpi_standin: the learned SAM stand-in of
tools/train_standins.py) runs only when named with --only; it makes its proposals first
(resumable) and reports their quality beside the heuristic ones'.
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
65): the configs are rewritten to that data under <out>/configs and the large budgets apply;
more runs exist there (runs.py). Each run's ratio and budget check use its own reference.

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
import glob
import json
import os
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402
from semires.runs import (  # noqa: E402
    DATA_ROOTS,
    HEURISTIC_PROPOSALS,
    PROPOSAL_FOLDERS,
    RUNS,
    budget,
    burn_in_of,
)
from semires.runs import batch as batch_size_of  # noqa: E402
from semires.tables import report, seed_summary  # noqa: E402


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
            return {
                k: (preset if k == "preset" and v == "default" else move(v))
                for k, v in node.items()
            }
        if isinstance(node, (list, tuple)):
            return type(node)(move(v) for v in node)
        if isinstance(node, str) and (node == old or node.startswith(old + "/")):
            return new + node[len(old) :]
        return node

    os.makedirs(out, exist_ok=True)
    path = osp.join(out, osp.basename(config))
    Config(move(Config.fromfile(config).to_dict())).dump(path)
    return path


def run_config(name: str, preset: str, out: str) -> str:
    """The config file run ``name`` trains and tests with: its config moved to ``preset``'s
    data (``rebased_config``), with the run's ``extra_hooks`` appended (then dumped to
    ``<out>/configs/<name>.py``)."""
    config = rebased_config(RUNS[name].config, preset, osp.join(out, "configs"))
    if not RUNS[name].extra_hooks:
        return config
    from mmengine.config import Config

    cfg = Config.fromfile(config)
    cfg.custom_hooks = list(cfg.get("custom_hooks", [])) + list(RUNS[name].extra_hooks)
    path = osp.join(out, "configs", f"{name}.py")
    os.makedirs(osp.dirname(path), exist_ok=True)
    cfg.dump(path)
    return path


def best_checkpoint(work_dir: str) -> str:
    """The run's kept checkpoint: its ``save_best`` one, else its last epoch's."""
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
    val, train_records = runner.read_scalars(work_dir)
    ckpt = best_checkpoint(work_dir)
    epoch = int(ckpt.rsplit("_", 1)[-1].split(".")[0])
    chosen = [r for r in val if r.get("step") == epoch] or val[-1:]
    times = np.array([r["time"] for r in train_records if "time" in r])
    matched = [r["sam_matched"] for r in train_records if "sam_matched" in r]
    return dict(
        name=name,
        description=RUNS[name].description,
        mIoU=chosen[-1]["mIoU"],
        oIoU=chosen[-1]["oIoU"],
        selected_epoch=epoch,
        validations=[dict(epoch=r.get("step"), mIoU=r["mIoU"], oIoU=r["oIoU"]) for r in val],
        iterations=trained_iterations(work_dir),
        batch_size=batch_size,
        train_img_per_s=float(batch_size / np.median(times)) if len(times) else None,
        sam_matched=float(np.mean(matched)) if matched else None,
        checkpoint=ckpt,
    )


def train(name: str, out: str, batch_size: int, extra: list[str], preset: str = "default") -> dict:
    """Train run ``name`` (its options, then ``extra``) unless it finished; its figures.

    The figures (``summarise``, the command, wall time and peak RSS of the last launch and
    whether it resumed) are stored in ``<out>/<name>/result.json``, the run's finished marker.
    """
    work_dir = osp.join(out, name)
    done = osp.join(work_dir, "result.json")
    if osp.exists(done):
        with open(done, encoding="utf-8") as f:
            result = json.load(f)
        if "iterations" not in result:  # written by an older version of this script
            usage = {k: result[k] for k in ("wall_s", "peak_rss_mib")}
            result = dict(**summarise(name, work_dir, batch_size), **usage)
            with open(done, "w", encoding="utf-8") as f:
                json.dump(result, f, indent=1)
        return result
    os.makedirs(work_dir, exist_ok=True)
    config = run_config(name, preset, out)
    usage = runner.train_once(config, work_dir, [*RUNS[name].options, *extra], "result.json")
    result = dict(
        **summarise(name, work_dir, batch_size),
        cmd=usage["cmd"],
        wall_s=usage["wall_s"],
        peak_rss_mib=usage["peak_rss_mib"],
        resumed=usage["resumed"],
    )
    with open(done, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
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
    cmd = runner.test_command(config, result["checkpoint"], osp.join(out, name, "test_split"))
    usage = runner.launch(cmd, log)
    metrics = runner.printed_metrics(usage["output"], log)
    result["test"] = dict(
        split="test",
        mIoU=metrics["mIoU"],
        oIoU=metrics["oIoU"],
        checkpoint=result["checkpoint"],
        wall_s=usage["wall_s"],
    )
    with open(done, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    return result["test"]


def proposal_quality(preset: str, n_refs: int = 500, folder: str = "proposals") -> dict:
    """Best-proposal IoU with the true mask, over unlabeled train refs (oracle check) of the
    proposals in ``<data root>/<folder>``."""
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
        props, _ = read_proposals(osp.join(data_root, folder), info["image_id"])
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


def parse_args() -> argparse.Namespace:
    """The command line (see the module docstring)."""
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
    if (
        args.test_split
        and args.only
        and not osp.exists(osp.join(args.out, args.only, "result.json"))
    ):
        parser.error(f"{args.only} has not finished in {args.out}")
    if args.only and RUNS[args.only].large_only and args.preset != "large":
        parser.error(f"--only {args.only} exists for --preset large only")
    data_root = DATA_ROOTS[args.preset]
    if args.preset != "default" and not osp.exists(osp.join(data_root, "synthref_meta.json")):
        parser.error(
            f"{data_root} is missing: run tools/data/make_synthref.py --preset "
            f"{args.preset} --out {data_root} first"
        )
    if not (args.report or args.summary or args.test_split):
        for name in [args.only] if args.only else run_order(args.preset):
            for needed in (name, burn_in_of(name)) if RUNS[name].semires else (name,):
                try:
                    budget(needed, args.full, args.preset)
                except KeyError as err:
                    parser.error(err.args[0])
    return args


def run_order(preset: str) -> list[str]:
    """Every run of ``preset``, in the order of ``RUNS``, except those on other proposals than
    the heuristic ones (they need a trained stand-in: run them with ``--only``)."""
    return [
        n
        for n, run in RUNS.items()
        if (preset == "large" or not run.large_only) and run.proposals == HEURISTIC_PROPOSALS
    ]


def launch_usage(cmd: list[str], log: str) -> dict:
    """``runner.launch`` of ``cmd``: its wall time and peak RSS (MiB)."""
    usage = runner.launch(cmd, log)
    return dict(wall_s=usage["wall_s"], peak_rss_mib=usage["peak_rss_mib"])


def proposals_key(config: str) -> str:
    """The results entry of the proposals of ``config``: ``proposals`` for the heuristic ones."""
    folder = PROPOSAL_FOLDERS[config]
    return "proposals" if config == HEURISTIC_PROPOSALS else f"proposals_{folder}"


def proposals(args: argparse.Namespace, config: str = HEURISTIC_PROPOSALS) -> dict:
    """Make the proposals of ``config`` for the train images (images already done are kept);
    their quality and cost."""
    folder = PROPOSAL_FOLDERS[config]
    rebased = rebased_config(config, args.preset, osp.join(args.out, "configs"))
    cmd = [
        sys.executable,
        "tools/generate_pseudo_labels.py",
        rebased,
        "--out",
        osp.join(DATA_ROOTS[args.preset], folder),
    ]
    usage = launch_usage(cmd, osp.join(args.out, f"{folder}.log"))
    return dict(**proposal_quality(args.preset, folder=folder), **usage)


def pretrained_encoders(enc: str, out: str) -> dict:
    """Pretrain the encoders into ``enc`` when missing; results entries describing them."""
    found = {}
    if not (osp.exists(osp.join(enc, "swin.pth")) and osp.isdir(osp.join(enc, "bert"))):
        cmd = [
            sys.executable,
            "tools/pretrain_synthref_encoders.py",
            RUNS["lavt_100pct"].config,
            "--out",
            enc,
        ]
        found["encoders_usage"] = launch_usage(cmd, osp.join(out, "pretrain_encoders.log"))
    with open(osp.join(enc, "pretrain_log.json"), encoding="utf-8") as f:
        log = json.load(f)
    found["encoders"] = dict(
        dir=enc,
        corpus=log["corpus"],
        corpus_seed=log["corpus_seed"],
        swin_epochs=len(log["swin"]),
        swin_last=log["swin"][-1],
        bert_epochs=len(log["bert"]),
        bert_last=log["bert"][-1],
    )
    return found


def main() -> None:
    """Train what is missing, then print the table (or the --summary / --test-split ones)."""
    args = parse_args()
    if args.summary:
        print("\n".join(seed_summary({out: load_results(out) for out in args.summary})))
        return
    if args.test_split:
        finished = [n for n in RUNS if osp.exists(osp.join(args.out, n, "result.json"))]
        for name in [args.only] if args.only else finished:
            test = evaluate_on_test(name, args.out, args.preset)
            print(f"{name}: test mIoU {test['mIoU']:.2f} / oIoU {test['oIoU']:.2f}", flush=True)
        return
    os.makedirs(args.out, exist_ok=True)
    results_path = osp.join(args.out, "results.json")
    results = runner.save_results(results_path, load_results(args.out))

    def save(**updates) -> None:
        results.update(runner.save_results(results_path, updates))

    if "proposals" not in results and not args.report:
        save(proposals=proposals(args))
    encoder_opts = []
    if args.pretrained_encoders and not args.report:
        enc = args.pretrained_encoders
        save(**pretrained_encoders(enc, args.out))
        encoder_opts = [
            f"model.backbone.pretrained={enc}/swin.pth",
            f"model.text_encoder.pretrained={enc}/bert",
        ]
    order = [] if args.report else [args.only] if args.only else run_order(args.preset)
    seed_opts = [f"randomness.seed={args.seed}"] if args.seed is not None else []

    def train_run(name: str) -> dict:
        extra = budget(name, args.full, args.preset) + seed_opts
        if RUNS[name].semires:
            config = RUNS[name].proposals
            if config != HEURISTIC_PROPOSALS:
                key = proposals_key(config)
                if key not in results:
                    save(**{key: proposals(args, config)})
                folder = osp.join(DATA_ROOTS[args.preset], PROPOSAL_FOLDERS[config])
                extra = extra + [f"proposal_dir={folder}"]
            burn_name = burn_in_of(name)
            burn_in = results.get(burn_name) or train_run(burn_name)
            save(**{burn_name: burn_in})  # the table and the budget check below need it
            extra = extra + [f"model.burn_in_checkpoint={burn_in['checkpoint']}"]
        else:
            extra = extra + encoder_opts
        return train(name, args.out, batch_size_of(name, args.full), extra, args.preset)

    for name in order:
        save(**{name: train_run(name)})
        print(json.dumps(results[name]), flush=True)
    if "inference" not in results and "lavt_100pct" in results and not args.report:
        ckpt = results["lavt_100pct"]["checkpoint"]
        speed = runner.inference_speed(RUNS["lavt_100pct"].config, ckpt, n_batches=20)
        save(inference=dict(lavt_img_per_s=speed))
    print("\n".join(report(results)))


if __name__ == "__main__":
    main()
