"""TRIS on SynthRef (CPU): text supervision only, every stage against the hidden truth.

Per seed, each step skipped when its output exists (pseudo-label passes skip the refs already
written and trainings continue from their last checkpoint, so the script resumes):
  1. stage 1 (configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py), then val and test
     of its last checkpoint: mIoU / oIoU of every positive response, PointM, box hit;
  2. PRMS on the train refs (configs/tris/prms_standin-clip_synthref.py), three passes
     thresholding the selected map at 0.15 (TRIS's plain pseudo mask, the baseline of the
     refinement), 0.30 and 0.10 (the IR labels' confident foreground and not-background);
  3. the affinity network on those IR labels (configs/tris/irn_standin-clip_1xb16-3e_synthref.py);
  4. the refined pseudo masks (configs/tris/prms-irn_standin-clip_synthref.py: PRMS, then the
     random walk); every pseudo-mask file is scored against the train refs' hidden GT masks
     (mIoU over all train refs, a ref without a pseudo mask counting 0, and oIoU);
  5. the stage-2 network trained on the refined pseudo masks (..._synthref-pseudo.py) and on
     the GT masks (..._synthref.py, full supervision, same recipe, same run): validated every
     epoch, the best val mIoU checkpoint is tested once (test = testA + testB);
  6. with --lavt, the toy LAVT on the same pseudo masks (configs/tris/lavt_tiny_synthref-tris-
     pseudo.py), its last checkpoint on val and test.

Usage (stand-ins from tools/train_standins.py --out work_dirs/standins):
    OMP_NUM_THREADS=1 python benchmarks/tris_synthref.py --seeds 0 [--work-dir work_dirs/tris_bench]
        [--stage2-epochs 6] [--lavt]
Results: <work-dir>/results.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402

STAGE1 = "configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py"
PRMS = "configs/tris/prms_standin-clip_synthref.py"
IRN = "configs/tris/irn_standin-clip_1xb16-3e_synthref.py"
REFINE = "configs/tris/prms-irn_standin-clip_synthref.py"
STAGE2_FULL = "configs/tris/tris_stage2_standin-clip_1xb16-6e_synthref.py"
STAGE2_PSEUDO = "configs/tris/tris_stage2_standin-clip_1xb16-6e_synthref-pseudo.py"
LAVT_PSEUDO = "configs/tris/lavt_tiny_synthref-tris-pseudo.py"
DATA = Path("data/synthref")
PRMS_THRESHOLDS = {"prms": 0.15, "fg": 0.30, "outer": 0.10}
LOADERS = ["train_dataloader.num_workers=0", "train_dataloader.persistent_workers=False"]


def train_truth() -> dict[int, np.ndarray]:
    """ref_id -> bool GT mask of every SynthRef train ref (never seen by TRIS)."""
    from risseg.datasets.refer import load_refs
    from risseg.utils.masks import segmentation_to_mask

    inst = json.loads((DATA / "instances.json").read_text())
    size = {i["id"]: (i["height"], i["width"]) for i in inst["images"]}
    anns = {a["id"]: a for a in inst["annotations"]}
    out = {}
    for ref in load_refs(str(DATA / "refs(synth).p")):
        if ref["split"] == "train":
            ann = anns[ref["ann_id"]]
            out[int(ref["ref_id"])] = segmentation_to_mask(
                ann["segmentation"], *size[ann["image_id"]]
            ).astype(bool)
    return out


def pseudo_quality(ann_file: Path, truth: dict[int, np.ndarray]) -> dict:
    """mIoU / oIoU (x100) of a pseudo annotation file against the train refs' GT masks."""
    from risseg.utils.masks import segmentation_to_mask

    pseudo = {int(k): v for k, v in json.loads(ann_file.read_text()).items()}
    ious, inter, union = [], 0, 0
    for ref_id, gt in truth.items():
        if ref_id in pseudo:
            mask = segmentation_to_mask(pseudo[ref_id], *gt.shape).astype(bool)
        else:
            mask = np.zeros_like(gt)
        i, u = int((mask & gt).sum()), int((mask | gt).sum())
        ious.append(i / u if u else 1.0)
        inter, union = inter + i, union + u
    return dict(
        mIoU=100 * float(np.mean(ious)),
        oIoU=100 * inter / max(union, 1),
        refs_with_mask=sum(r in pseudo for r in truth),
        refs=len(truth),
    )


def generate(config: str, out: Path, options: list[str], log: Path) -> None:
    """tools/generate_pseudo_labels.py (resumes by itself) unless ``out`` exists."""
    if out.exists():
        return
    cmd = [sys.executable, "tools/generate_pseudo_labels.py", config, "--out", str(out)]
    runner.launch([*cmd, "--cfg-options", *options], log)


def test_metrics(config: str, ckpt: str, run_dir: Path, split: str, options: list[str]) -> dict:
    """Metrics of ``ckpt`` on ``split`` (cached in <run_dir>/<split>_metrics.json)."""
    res_file = run_dir / f"{split}_metrics.json"
    if not res_file.exists():
        opts = [f"test_dataloader.dataset.split={split}", *options]
        cmd = runner.test_command(config, ckpt, run_dir / f"test_{split}", opts)
        usage = runner.launch(cmd, run_dir / f"test_{split}.log")
        res_file.write_text(json.dumps(runner.printed_metrics(usage["output"], run_dir)))
    return json.loads(res_file.read_text())


def train(config: str, run_dir: Path, options: list[str]) -> None:
    """A resumable training run (a marker file once finished)."""
    runner.train_once(config, run_dir, options, "done.marker")
    (run_dir / "done.marker").touch()


def best_checkpoint(run_dir: Path) -> str:
    """The best-val-mIoU checkpoint of a run (mmengine's save_best), else its last."""
    best = sorted(run_dir.glob("best_mIoU_epoch_*.pth"))
    return str(best[-1]) if best else (run_dir / "last_checkpoint").read_text().strip()


def evaluate(config: str, run_dir: Path, options: list[str], pick_best: bool) -> dict:
    """val and test mIoU / oIoU (and PointM / box hit when reported) of one checkpoint."""
    ckpt = best_checkpoint(run_dir) if pick_best else (run_dir / "last_checkpoint").read_text()
    out = {"checkpoint": Path(ckpt.strip()).name}
    keys = ("mIoU", "oIoU", "PointM", "box_hit")
    for split in ("val", "test"):
        metrics = test_metrics(config, ckpt.strip(), run_dir, split, options)
        out.update({f"{split}_{k}": v for k, v in metrics.items() if k in keys})
    return out


def run_seed(args: argparse.Namespace, seed: int) -> dict:
    work = Path(args.work_dir).resolve() / f"seed{seed}"
    seed_opt = [f"randomness.seed={seed}", *LOADERS]
    res: dict = {}
    # 1. stage 1
    train(STAGE1, work / "stage1", seed_opt)
    res["stage1"] = evaluate(STAGE1, work / "stage1", [], pick_best=False)
    stage1_ckpt = (work / "stage1" / "last_checkpoint").read_text().strip()
    # 2. PRMS at three thresholds
    pseudo = work / "pseudo"
    truth = train_truth()
    for tag, thr in PRMS_THRESHOLDS.items():
        opts = [f"pseudo_labeler.checkpoint={stage1_ckpt}", f"pseudo_labeler.mask_thr={thr}"]
        generate(PRMS, pseudo / f"{tag}.json", opts, pseudo / f"{tag}.log")
        res[f"pseudo_{tag}"] = pseudo_quality(pseudo / f"{tag}.json", truth)
    # 3. affinity network
    text_only = DATA / "supervision_text_only.json"
    if not text_only.exists():
        runner.launch(
            [
                sys.executable,
                "tools/data/make_text_only_supervision.py",
                "--data-root",
                str(DATA),
                "--dataset",
                "",
                "--split-by",
                "synth",
            ],
            work / "text_only.log",
        )
    irn_opts = [
        *seed_opt,
        f"train_dataloader.dataset.pseudo_ann_file={pseudo / 'outer.json'}",
        f"train_dataloader.dataset.pipeline.7.fg_file={pseudo / 'fg.json'}",
        f"train_dataloader.dataset.pipeline.7.outer_file={pseudo / 'outer.json'}",
    ]
    train(IRN, work / "irn", irn_opts)
    irn_ckpt = (work / "irn" / "last_checkpoint").read_text().strip()
    # 4. refined pseudo masks
    opts = [
        f"pseudo_labeler.labelers.0.checkpoint={stage1_ckpt}",
        f"pseudo_labeler.labelers.1.checkpoint={irn_ckpt}",
    ]
    generate(REFINE, pseudo / "irn.json", opts, pseudo / "irn.log")
    res["pseudo_irn"] = pseudo_quality(pseudo / "irn.json", truth)
    # 5. stage 2 on pseudo masks and on GT masks
    epochs = [
        f"max_epochs={args.stage2_epochs}",
        f"train_cfg.max_epochs={args.stage2_epochs}",
        f"param_scheduler.0.end={args.stage2_epochs}",
    ]
    on_pseudo = [f"train_dataloader.dataset.pseudo_ann_file={pseudo / 'irn.json'}"]
    train(STAGE2_PSEUDO, work / "stage2_pseudo", [*seed_opt, *epochs, *on_pseudo])
    res["stage2_pseudo"] = evaluate(STAGE2_PSEUDO, work / "stage2_pseudo", on_pseudo, True)
    train(STAGE2_FULL, work / "stage2_full", [*seed_opt, *epochs])
    res["stage2_full"] = evaluate(STAGE2_FULL, work / "stage2_full", [], True)
    ratio = res["stage2_pseudo"]["test_mIoU"] / max(res["stage2_full"]["test_mIoU"], 1e-9)
    res["pseudo_over_full_test_mIoU"] = 100 * ratio
    # 6. the toy LAVT on the same pseudo masks
    if args.lavt:
        train(LAVT_PSEUDO, work / "lavt_pseudo", [*seed_opt, *on_pseudo])
        res["lavt_pseudo"] = evaluate(LAVT_PSEUDO, work / "lavt_pseudo", on_pseudo, False)
    return res


def table(results: dict) -> str:
    rows = [
        "| seed | stage 1 val PointM / mIoU / oIoU | PRMS (> 0.15) pseudo mIoU / oIoU | "
        "refined (IRN) pseudo mIoU / oIoU | stage 2 pseudo val / test mIoU, oIoU | "
        "stage 2 full val / test mIoU, oIoU | pseudo / full test mIoU |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed, r in sorted(results.items()):
        s1, p, f = r["stage1"], r["stage2_pseudo"], r["stage2_full"]
        rows.append(
            f"| {seed} | {s1['val_PointM']:.1f} / {s1['val_mIoU']:.2f} / {s1['val_oIoU']:.2f} | "
            f"{r['pseudo_prms']['mIoU']:.2f} / {r['pseudo_prms']['oIoU']:.2f} | "
            f"{r['pseudo_irn']['mIoU']:.2f} / {r['pseudo_irn']['oIoU']:.2f} | "
            f"{p['val_mIoU']:.2f} / {p['test_mIoU']:.2f}, {p['val_oIoU']:.2f} / "
            f"{p['test_oIoU']:.2f} | {f['val_mIoU']:.2f} / {f['test_mIoU']:.2f}, "
            f"{f['val_oIoU']:.2f} / {f['test_oIoU']:.2f} | "
            f"{r['pseudo_over_full_test_mIoU']:.1f}% |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="work_dirs/tris_bench")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--stage2-epochs", type=int, default=6)
    parser.add_argument("--lavt", action="store_true", help="also train the toy LAVT")
    args = parser.parse_args()
    results = {}
    for seed in args.seeds:
        results[str(seed)] = run_seed(args, seed)
        runner.save_results(Path(args.work_dir) / "results.json", {str(seed): results[str(seed)]})
    print(table(results))


if __name__ == "__main__":
    main()
