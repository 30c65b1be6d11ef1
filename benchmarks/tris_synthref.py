"""TRIS on SynthRef (CPU): text supervision only, every stage against the hidden truth.

Per seed, each step skipped when its output exists (pseudo-label passes skip the refs already
written and trainings continue from their last checkpoint, so the script resumes):
  1. stage 1 (configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py), then val and test
     of its last checkpoint: mIoU / oIoU of every positive response, PointM, box hit;
  2. PRMS on the train refs (``PRMSLabeler`` of configs/tris/prms_standin-clip_synthref.py),
     one pass whose selected maps are kept (quantised to 1/255, in resumable chunks) and
     thresholded at 0.15 (TRIS's plain pseudo mask, ``ThresholdRefineLabeler``: the baseline of
     the refinement), 0.30 and 0.10 (the IR labels' confident foreground and not-background):
     the files ``tools/generate_pseudo_labels.py`` writes with ``pseudo_labeler.mask_thr``;
  3. the affinity network on those IR labels (configs/tris/irn_standin-clip_1xb16-3e_synthref.py);
  4. the refined pseudo masks (``IRNRefineLabeler`` on the kept maps, batches of 32: what
     configs/tris/prms-irn_standin-clip_synthref.py gives in one pass); every pseudo-mask file
     is scored against the train refs' hidden GT masks (mIoU over all train refs, a ref
     without a pseudo mask counting 0, and oIoU);
  5. the stage-2 network trained on the refined pseudo masks (..._synthref-pseudo.py) and on
     the GT masks (..._synthref.py, full supervision, same recipe, same run): validated every
     epoch, the best val mIoU checkpoint is tested once (test = testA + testB);
  6. with --lavt, the toy LAVT on the same pseudo masks (configs/tris/lavt_tiny_synthref-tris-
     pseudo.py), its last checkpoint on val and test.

Usage (stand-ins from tools/train_standins.py --out work_dirs/standins):
    OMP_NUM_THREADS=1 python benchmarks/tris_synthref.py --seeds 0 [--work-dir work_dirs/tris_bench]
        [--stage2-epochs 6] [--lavt]
Results: <work-dir>/results.json (one entry per seed; ``<seed>-irn`` with --refiner irn, which
reuses the seed's stage 1, PRMS maps and full run) and a Markdown table on stdout.
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
STAGE2_FULL = "configs/tris/tris_stage2_standin-clip_1xb16-6e_synthref.py"
STAGE2_PSEUDO = "configs/tris/tris_stage2_standin-clip_1xb16-6e_synthref-pseudo.py"
LAVT_PSEUDO = "configs/tris/lavt_tiny_synthref-tris-pseudo.py"
DATA = Path("data/synthref")
IR_THRESHOLDS = {"fg": 0.30, "outer": 0.10}  # the IR labels' confident fg / not-background
SWEEP = (0.0, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
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


def prms_parts(stage1_ckpt: str | None = None, max_refs: int | None = None):
    """The train refs' dataset of the PRMS config (its first ``max_refs`` samples) and, given
    ``stage1_ckpt``, its labeler."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import risseg.datasets  # noqa: F401  (registers datasets and transforms)
    from risseg.registry import DATASETS, LABELERS

    cfg = Config.fromfile(PRMS)
    init_default_scope("risseg")
    if max_refs is not None:
        cfg.pseudo_label_dataset.indices = max_refs
    dataset = DATASETS.build(cfg.pseudo_label_dataset)
    if stage1_ckpt is None:
        return dataset, None
    cfg.pseudo_labeler.checkpoint = stage1_ckpt
    return dataset, LABELERS.build(cfg.pseudo_labeler)


def ref_indices(dataset) -> list[tuple[int, int]]:
    """(ref_id, first dataset index) of every ref, sorted by ref id."""
    first: dict[int, int] = {}
    for i in range(len(dataset)):
        first.setdefault(int(dataset.get_data_info(i)["ref_id"]), i)
    return sorted(first.items())


def prms_maps(
    stage1_ckpt: str, out_dir: Path, max_refs: int | None = None, chunk: int = 250
) -> dict[int, np.ndarray]:
    """ref_id -> PRMS response map (uint8, map x 255) of every train ref (of the first
    ``max_refs``); resumable chunks."""
    import torch
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    dataset, labeler = prms_parts(max_refs=max_refs)
    refs = ref_indices(dataset)
    maps: dict[int, np.ndarray] = {}
    for k, start in enumerate(range(0, len(refs), chunk)):
        path = out_dir / f"chunk_{k:04d}.npz"
        if not path.exists():
            labeler = labeler or prms_parts(stage1_ckpt, max_refs)[1]
            got = {}
            for ref_id, index in tqdm(refs[start : start + chunk], desc=path.name, mininterval=30):
                item = dataset[index]
                with torch.no_grad():
                    sample = labeler(item["inputs"][None], [item["data_samples"]])[0]
                prob = sample.response_map.data[0].numpy()
                got[f"r{ref_id}"] = np.round(prob * 255).astype(np.uint8)
            tmp = path.with_suffix(".tmp.npz")
            np.savez_compressed(tmp, **got)
            tmp.rename(path)  # a killed run never leaves a partial chunk
        with np.load(path) as z:
            maps.update({int(name[1:]): z[name] for name in z.files})
    return maps


def write_masks(masks: dict[int, np.ndarray], out: Path) -> None:
    """A pseudo annotation file ``{ref_id: COCO RLE}`` of the non-empty masks."""
    from risseg.utils.masks import mask_to_rle

    out.write_text(
        json.dumps({str(k): mask_to_rle(m) for k, m in sorted(masks.items()) if m.any()})
    )


def refine_maps(
    maps: dict[int, np.ndarray], irn_ckpt: str, out: Path, max_refs: int | None = None
) -> None:
    """The refined pseudo masks of the kept maps (IRNRefineLabeler, batches of 32)."""
    import torch
    from mmengine.structures import PixelData
    from tqdm import tqdm

    from risseg.registry import LABELERS

    dataset, _ = prms_parts(max_refs=max_refs)
    labeler = LABELERS.build(dict(type="IRNRefineLabeler", affinity_net=IRN, checkpoint=irn_ckpt))
    masks = {}
    refs = ref_indices(dataset)
    for start in tqdm(range(0, len(refs), 32), desc="IRN refine", mininterval=30):
        items = [dataset[index] for _, index in refs[start : start + 32]]
        samples = [item["data_samples"] for item in items]
        for (ref_id, _), s in zip(refs[start : start + 32], samples, strict=True):
            s.response_map = PixelData(data=torch.from_numpy(maps[ref_id][None] / 255.0).float())
        shapes = {tuple(item["inputs"].shape) for item in items}
        if len(shapes) == 1:
            out_samples = labeler(torch.stack([item["inputs"] for item in items]), samples)
        else:
            out_samples = [
                labeler(it["inputs"][None], [s])[0] for it, s in zip(items, samples, strict=True)
            ]
        for (ref_id, _), s in zip(refs[start : start + 32], out_samples, strict=True):
            masks[ref_id] = s.pseudo_mask.data[0].numpy()
    write_masks(masks, out)


def threshold_sweep(ckpt: str, out: Path, n_val: int) -> dict:
    """val mIoU / oIoU of the stage-1 map > t (max-normalised) for each t of ``SWEEP`` on the
    first ``n_val`` val samples, and the best t by mIoU (cached in ``out``)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import risseg.datasets  # noqa: F401
    import risseg.models  # noqa: F401
    from risseg.evaluation.metrics.ref_seg_metric import _mask_tensor
    from risseg.registry import DATASETS, MODELS

    if not out.exists():
        cfg = Config.fromfile(STAGE1)
        init_default_scope("risseg")
        cfg.val_dataloader.dataset.indices = n_val
        dataset = DATASETS.build(cfg.val_dataloader.dataset)
        model = MODELS.build(cfg.model).eval()
        load_checkpoint(model, ckpt, map_location="cpu")
        inter, union = np.zeros(len(SWEEP)), np.zeros(len(SWEEP))
        ious: list[list[float]] = [[] for _ in SWEEP]
        for start in range(0, len(dataset), 16):
            items = [dataset[i] for i in range(start, min(start + 16, len(dataset)))]
            data = model.data_preprocessor(
                dict(inputs=[it["inputs"] for it in items],
                     data_samples=[it["data_samples"] for it in items]), False
            )  # fmt: skip
            with torch.no_grad():
                preds = model.predict(data["inputs"], data["data_samples"])
            for pred in preds:
                r, gt = pred.pred_logits.data[0], _mask_tensor(pred.get("gt_mask"))
                for k, t in enumerate(SWEEP):
                    i, u = int(((r > t) & gt).sum()), int(((r > t) | gt).sum())
                    inter[k], union[k] = inter[k] + i, union[k] + u
                    ious[k].append(i / u if u else 1.0)
        miou = {str(t): 100 * float(np.mean(v)) for t, v in zip(SWEEP, ious, strict=True)}
        oiou = {str(t): 100 * i / max(u, 1) for t, i, u in zip(SWEEP, inter, union, strict=True)}
        best = max(SWEEP, key=lambda t: miou[str(t)])
        out.write_text(json.dumps(dict(n_val=len(dataset), mIoU=miou, oIoU=oiou, best=best)))
    return json.loads(out.read_text())


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
    # 1. stage 1 (or an existing run of its config: --stage1-work-dir)
    stage1 = Path(args.stage1_work_dir) if args.stage1_work_dir else work / "stage1"
    if not args.stage1_work_dir:
        e = args.stage1_epochs
        s1_epochs = [f"train_cfg.max_epochs={e}", f"train_cfg.val_interval={e}"] if e else []
        s1_epochs += [f"param_scheduler.1.end={e}"] if e else []
        train(STAGE1, stage1, [*seed_opt, *s1_epochs])
    stage1_ckpt = (stage1 / "last_checkpoint").read_text().strip()
    # the mask threshold of the stage-1 map, chosen on val (also PRMS's pseudo-mask threshold)
    sweep = threshold_sweep(stage1_ckpt, stage1 / "val_threshold_sweep.json", args.sweep_val)
    thr = sweep["best"] if args.mask_thr is None else args.mask_thr
    res["stage1_val_sweep"] = sweep
    res["stage1"] = evaluate(STAGE1, stage1, [f"model.test_cfg.mask_thr={thr}"], pick_best=False)
    res["stage1"].update(work_dir=str(stage1), mask_thr=thr)
    # 2. PRMS once; its maps at three thresholds
    pseudo = work / "pseudo"
    truth = train_truth()
    maps = prms_maps(stage1_ckpt, pseudo / "maps", args.max_refs)
    truth = {r: m for r, m in truth.items() if r in maps}  # all train refs unless --max-refs
    thresholds = {"prms": thr, **(IR_THRESHOLDS if args.refiner == "irn" else {})}
    for tag, t in thresholds.items():
        if not (pseudo / f"{tag}.json").exists():
            write_masks({k: m / 255.0 > t for k, m in maps.items()}, pseudo / f"{tag}.json")
        res[f"pseudo_{tag}"] = pseudo_quality(pseudo / f"{tag}.json", truth)
    ensure_text_only(work)
    if args.refiner == "irn":
        res["pseudo_irn"] = irn_step(args, work, seed_opt, pseudo, maps, truth)
    # 5. stage 2 on pseudo masks and on GT masks (the same train refs with --max-refs)
    train_file = pseudo / f"{args.refiner if args.refiner == 'irn' else 'prms'}.json"
    res["stage2_pseudo_file"] = train_file.name
    epochs = [
        f"max_epochs={args.stage2_epochs}",
        f"train_cfg.max_epochs={args.stage2_epochs}",
        f"param_scheduler.0.end={args.stage2_epochs}",
    ]
    on_pseudo = [f"train_dataloader.dataset.pseudo_ann_file={train_file}"]
    # one run per refiner, so that both can share a seed's stage 1, PRMS and full run
    run2 = work / ("stage2_pseudo" if args.refiner == "threshold" else "stage2_pseudo_irn")
    train(STAGE2_PSEUDO, run2, [*seed_opt, *epochs, *on_pseudo])
    res["stage2_pseudo"] = evaluate(STAGE2_PSEUDO, run2, on_pseudo, True)
    subset = [f"train_dataloader.dataset.indices={args.max_refs}"] if args.max_refs else []
    train(STAGE2_FULL, work / "stage2_full", [*seed_opt, *epochs, *subset])
    res["stage2_full"] = evaluate(STAGE2_FULL, work / "stage2_full", [], True)
    ratio = res["stage2_pseudo"]["test_mIoU"] / max(res["stage2_full"]["test_mIoU"], 1e-9)
    res["pseudo_over_full_test_mIoU"] = 100 * ratio
    # 6. the toy LAVT on the same pseudo masks
    if args.lavt:
        train(LAVT_PSEUDO, work / "lavt_pseudo", [*seed_opt, *on_pseudo])
        res["lavt_pseudo"] = evaluate(LAVT_PSEUDO, work / "lavt_pseudo", on_pseudo, False)
    return res


def ensure_text_only(work: Path) -> None:
    """data/synthref/supervision_text_only.json (every train ref loses its GT)."""
    if not (DATA / "supervision_text_only.json").exists():
        cmd = [sys.executable, "tools/data/make_text_only_supervision.py", "--data-root"]
        cmd += [str(DATA), "--dataset", "", "--split-by", "synth"]
        runner.launch(cmd, work / "text_only.log")


def irn_step(args, work: Path, seed_opt: list[str], pseudo: Path, maps: dict, truth: dict) -> dict:
    """Steps 3-4: the affinity network on the IR labels, then the refined pseudo masks."""
    if not json.loads((pseudo / "outer.json").read_text()):
        raise RuntimeError(f"No train ref has a PRMS map above 0.10 ({pseudo / 'outer.json'})")
    irn_opts = [
        *seed_opt,
        f"train_dataloader.dataset.pseudo_ann_file={pseudo / 'outer.json'}",
        f"train_dataloader.dataset.pipeline.7.fg_file={pseudo / 'fg.json'}",
        f"train_dataloader.dataset.pipeline.7.outer_file={pseudo / 'outer.json'}",
    ]
    train(IRN, work / "irn", irn_opts)
    irn_ckpt = (work / "irn" / "last_checkpoint").read_text().strip()
    # 4. refined pseudo masks
    if not (pseudo / "irn.json").exists():
        refine_maps(maps, irn_ckpt, pseudo / "irn.json", args.max_refs)
    return pseudo_quality(pseudo / "irn.json", truth)


def table(results: dict) -> str:
    rows = [
        "| seed | stage 1 val PointM / mIoU / oIoU (mask > t) | PRMS pseudo mIoU / oIoU (> t) | "
        "IRN pseudo mIoU / oIoU | stage 2 pseudo val / test mIoU, oIoU | "
        "stage 2 full val / test mIoU, oIoU | pseudo / full test mIoU |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed, r in sorted(results.items()):
        s1, p, f = r["stage1"], r["stage2_pseudo"], r["stage2_full"]
        irn = r.get("pseudo_irn")
        irn_txt = f"{irn['mIoU']:.2f} / {irn['oIoU']:.2f}" if irn else "-"
        rows.append(
            f"| {seed} | {s1['val_PointM']:.1f} / {s1['val_mIoU']:.2f} / {s1['val_oIoU']:.2f} "
            f"(t = {s1['mask_thr']}) | "
            f"{r['pseudo_prms']['mIoU']:.2f} / {r['pseudo_prms']['oIoU']:.2f} | {irn_txt} | "
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
    parser.add_argument("--stage1-epochs", type=int, help="default: the config's (3)")
    parser.add_argument("--lavt", action="store_true", help="also train the toy LAVT")
    parser.add_argument(
        "--stage1-work-dir", help="a finished run of the stage-1 config to use (seed 0 only)"
    )
    parser.add_argument(
        "--max-refs", type=int, help="the first N train refs only (PRMS and both stage-2 runs)"
    )
    parser.add_argument(
        "--refiner", choices=("threshold", "irn"), default="threshold",
        help="stage 2 trains on the PRMS map > t (default) or on the IRN-refined masks",
    )  # fmt: skip
    parser.add_argument("--mask-thr", type=float, help="default: the best of the val sweep")
    parser.add_argument("--sweep-val", type=int, default=600, help="val samples of the sweep")
    args = parser.parse_args()
    results = {}
    for seed in args.seeds:
        key = str(seed) if args.refiner == "threshold" else f"{seed}-{args.refiner}"
        results[key] = run_seed(args, seed)
        runner.save_results(Path(args.work_dir) / "results.json", {key: results[key]})
    print(table(results))


if __name__ == "__main__":
    main()
