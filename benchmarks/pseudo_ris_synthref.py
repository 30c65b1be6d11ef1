"""Pseudo-RIS on SynthRef (CPU): pseudo-pair quality and models trained on pseudo pairs.

Per seed (each step skipped when its output exists; generation stages skip finished images and
an interrupted training run continues from its last checkpoint, so the script resumes):
  1. pseudo pairs for the first --max-refs train refs' images with
     configs/pseudo_ris/generate_synthref.py: masks, captions with and without distinctive
     sampling, distinctiveness scores of both, the REFER dataset of the filtered distinctive
     captions;
  2. pseudo-mask quality against SynthRef's hidden truth: mIoU of every true object with its
     best pseudo mask (recall) and of every pseudo mask with its best true object (precision);
  3. the distinctiveness rate of the captions against the generator's oracle attributes: a
     caption is distinctive when the shape / colour / size words before its relation phrase
     (and the anchor's after it, with the relation) are true of the target object and of no
     other object in the image (extreme words such as "on the left" are not read); averaged
     per mask over masks whose best true object has IoU >= 0.5, for {plain, distinctive}
     sampling x {all 44 candidates, the filtered ones}; and, to explain it, the share of the
     shape / colour / size words of the captions that are true of the target;
  4. the toy LAVT trained on the pseudo pairs and on full supervision (same recipe, same
     run), val and test (testA + testB) mIoU / oIoU of the last checkpoint; with --cris, the
     same for CRIS with the stand-in CLIP towers (--cris-epochs over the GT, as many
     iterations on the pseudo pairs).

Usage (stand-ins from tools/train_standins.py --out work_dirs/standins):
    OMP_NUM_THREADS=1 python benchmarks/pseudo_ris_synthref.py --seeds 0 \
        [--work-dir work_dirs/pseudo_ris_bench] [--max-refs 600] [--epochs 2] [--cris]
Results: <work-dir>/results.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402

GEN = "configs/pseudo_ris/generate_synthref.py"
PSEUDO = "configs/pseudo_ris/lavt_tiny_synthref_pseudo.py"
FULL = "configs/lavt/lavt_tiny_synthref.py"
CRIS_PSEUDO = "configs/pseudo_ris/cris_standin-clip_synthref_pseudo.py"
CRIS_FULL = "configs/cris/cris_standin-clip_1xb16-4e_synthref.py"
DATA = Path("data/synthref")
BATCH = 16  # the toy LAVT's training batch
TRAIN_REFS = 6697  # SynthRef (default preset) train refs
RELATIONS = {
    "left of": "left_of",
    "right of": "right_of",
    "above": "above",
    "over": "above",
    "below": "below",
    "under": "below",
    "beneath": "below",
    "next to": "next_to",
    "beside": "next_to",
}


def word_maps() -> dict[str, tuple[str, str]]:
    """word -> (attribute, value) from SynthRef's expression vocabulary."""
    from risseg.datasets.synthref.expressions import COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS

    out = {}
    for attr, table in (("shape", SHAPE_WORDS), ("colour", COLOUR_WORDS), ("size", SIZE_WORDS)):
        for value, words in table.items():
            out.update({w: (attr, value) for w in words})
    return out


def parse(caption: str, words: dict) -> tuple[dict, str | None, dict]:
    """(target attributes, relation or None, anchor attributes) of a caption."""
    text = " " + " ".join(caption.lower().replace(".", " ").split()) + " "
    rel, head, tail = None, text, ""
    hits = [(text.find(f" {p} "), p) for p in RELATIONS if f" {p} " in text]
    if hits:
        pos, phrase = min(hits)
        rel, head, tail = RELATIONS[phrase], text[:pos], text[pos + len(phrase) + 1 :]

    def attrs(part: str) -> dict:
        return dict(words[w] for w in part.split() if w in words)

    return attrs(head), rel, attrs(tail)


def matches(obj: dict, attrs: dict) -> bool:
    return all(obj[a] == v for a, v in attrs.items())


def distinctive(caption: str, target: dict, objects: list[dict], words: dict) -> bool:
    """Whether the caption's attributes pick out exactly ``target`` among ``objects``."""
    head, rel, tail = parse(caption, words)

    def fits(o: dict) -> bool:
        if not matches(o, head):
            return False
        if rel is None:
            return True
        ids = set(o["relations"].get(rel, []))
        return any(a["ann_id"] in ids and matches(a, tail) for a in objects if a is not o)

    return fits(target) and not any(fits(o) for o in objects if o is not target)


GEN_OPTIONS: list[str] = []  # --gen-options: extra config overrides of every stage


def gen(work: Path, stage: str, *extra: str) -> None:
    cmd = [sys.executable, "tools/pseudo_ris/generate.py", GEN, "--work-dir", str(work)]
    extra = (*extra, *GEN_OPTIONS) if "--cfg-options" in extra else extra
    runner.launch([*cmd, "--stage", stage, "--no-progress", *extra], work / "generate.log")


def generate(work: Path, max_refs: int, seed: int) -> None:
    """Step 1 with distinctive sampling, up to the REFER dataset (every stage resumes)."""
    opts = ["--cfg-options", f"pseudo_label_dataset.indices={max_refs}", f"seed={seed}"]
    gen(work, "masks", *opts)
    gen(work, "captions", *opts)
    gen(work, "scores", *opts)
    if not (work / "refer" / "pseudo_meta.json").exists():
        gen(work, "write", *opts)


def generate_plain(work: Path, max_refs: int, seed: int) -> None:
    """Step 1's plain-sampling captions and their scores (for the distinctiveness rates)."""
    opts = ["--cfg-options", f"pseudo_label_dataset.indices={max_refs}", f"seed={seed}"]
    plain = ["--captions", str(work / "captions_plain")]
    gen(work, "captions", *plain, *opts, "caption_cfg.distinctive=False")
    gen(work, "scores", *plain, "--scores", str(work / "scores_plain"), *opts)


def truth() -> tuple[dict, dict]:
    """image_id -> [(ann_id, bool mask)] of SynthRef, and image_id -> oracle objects."""
    from risseg.utils.masks import segmentation_to_mask

    inst = json.loads((DATA / "instances.json").read_text())
    size = {i["id"]: (i["height"], i["width"]) for i in inst["images"]}
    masks: dict[int, list] = {}
    for a in inst["annotations"]:
        h, w = size[a["image_id"]]
        masks.setdefault(a["image_id"], []).append(
            (a["id"], segmentation_to_mask(a["segmentation"], h, w).astype(bool))
        )
    attrs = json.loads((DATA / "attributes.json").read_text())
    return masks, {im["image_id"]: im["objects"] for im in attrs["images"]}


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(A, B) IoU of bool mask stacks."""
    fa, fb = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    inter = fa @ fb.T
    return inter / (fa.sum(1)[:, None] + fb.sum(1)[None] - inter + 1e-9)


def evaluate_pseudo(work: Path) -> dict:
    """Steps 2 and 3."""
    from risseg.pseudo_ris.filtering import keep_indices
    from risseg.pseudo_ris.stages import image_ids, load_masks

    gt, objects = truth()
    words = word_maps()
    recall, precision = [], []
    rates = {k: [] for k in ("plain_all", "plain_filtered", "dist_all", "dist_filtered")}
    hits: dict[str, list[bool]] = defaultdict(list)  # caption words true of the target
    for image_id in image_ids(work / "masks"):
        _, masks = load_masks(work / "masks", image_id)
        true = np.stack([m for _, m in gt[image_id]])
        if len(masks) == 0:
            recall += [0.0] * len(true)
            continue
        iou = iou_matrix(masks, true)
        recall += iou.max(0).tolist()
        precision += iou.max(1).tolist()
        by_id = {o["ann_id"]: o for o in objects[image_id]}
        for tag, cap_dir, score_dir in (
            ("plain", "captions_plain", "scores_plain"),
            ("dist", "captions", "scores"),
        ):
            caps = json.loads((work / cap_dir / f"{image_id}.json").read_text())
            scores = json.loads((work / score_dir / f"{image_id}.json").read_text())
            for seg in range(len(masks)):
                if iou[seg].max() < 0.5:
                    continue
                target = by_id[gt[image_id][int(iou[seg].argmax())][0]]
                ok = [
                    distinctive(c, target, objects[image_id], words) for c in caps["captions"][seg]
                ]
                kept = keep_indices(scores["doc"][seg], bool(scores["one_mask"]))
                rates[f"{tag}_all"].append(float(np.mean(ok)))
                rates[f"{tag}_filtered"].append(float(np.mean([ok[i] for i in kept])))
                for i, cap in enumerate(caps["captions"][seg]):
                    for attr, value in parse(cap, words)[0].items():
                        hits[f"{tag}_{attr}"].append(target[attr] == value)
                        if i in kept:
                            hits[f"{tag}_{attr}_filtered"].append(target[attr] == value)
    out = dict(
        mask_recall_miou=100 * float(np.mean(recall)),
        mask_precision_miou=100 * float(np.mean(precision)) if precision else 0.0,
        num_pseudo_masks=len(precision),
        num_true_objects=len(recall),
    )
    out.update({f"distinct_{k}": 100 * float(np.mean(v)) if v else 0.0 for k, v in rates.items()})
    out["masks_matched"] = len(rates["dist_all"])
    # why a caption is not distinctive: is the attribute it names right at all?
    out["word_accuracy"] = {k: 100 * float(np.mean(v)) for k, v in sorted(hits.items())}
    return out


def train_and_test(name: str, config: str, work: Path, options: list[str], seed: int) -> dict:
    """Step 4 for one model: train (resumable), then val and test of the last checkpoint."""
    run_dir = work / name
    opts = [f"randomness.seed={seed}", *options]
    runner.train_once(config, run_dir, opts, "done.marker")
    (run_dir / "done.marker").touch()
    ckpt = (run_dir / "last_checkpoint").read_text().strip()
    out = {}
    for split in ("val", "test"):
        res_file = run_dir / f"{split}_metrics.json"
        if not res_file.exists():
            cmd = runner.test_command(
                config,
                ckpt,
                run_dir / f"test_{split}",
                [f"test_dataloader.dataset.split={split}", *options],
            )
            usage = runner.launch(cmd, run_dir / f"test_{split}.log")
            res_file.write_text(json.dumps(runner.printed_metrics(usage["output"], run_dir)))
        metrics = json.loads(res_file.read_text())
        out.update({f"{split}_{k}": v for k, v in metrics.items() if k in ("mIoU", "oIoU")})
    return out


def epoch_options(epochs: int) -> list[str]:
    """Config overrides for a training of ``epochs`` epochs, validated once at the end."""
    return [
        f"max_epochs={epochs}",
        f"train_cfg.max_epochs={epochs}",
        f"train_cfg.val_interval={epochs}",
        f"default_hooks.checkpoint.interval={epochs}",
        f"param_scheduler.0.end={epochs}",
        "train_dataloader.num_workers=0",
        "train_dataloader.persistent_workers=False",
    ]


def cris_options(epochs: int) -> list[str]:
    """:func:`epoch_options` for CRIS, whose x0.1 step stays at 3/4 of the epochs (4 -> 3)."""
    step = max(1, round(0.75 * epochs))
    return [*epoch_options(epochs), f"param_scheduler.0.milestones=[{step}]"]


def run_cris(args: argparse.Namespace, seed: int, work: Path, pseudo_refs: int) -> dict:
    """CRIS (stand-in CLIP towers) on the pseudo pairs and on the GT, as many iterations each
    as --cris-epochs over SynthRef's train refs."""
    epochs = pseudo_epochs(args.cris_epochs, pseudo_refs)
    data = f"train_dataloader.dataset.data_root={work / 'refer'}"
    out = {"cris_pseudo_epochs": epochs, "cris_full_epochs": args.cris_epochs}
    out["cris_pseudo"] = train_and_test(
        "cris_pseudo", CRIS_PSEUDO, work, [data, *cris_options(epochs)], seed
    )
    out["cris_full"] = train_and_test(
        "cris_full", CRIS_FULL, work, cris_options(args.cris_epochs), seed
    )
    out["cris_pseudo_over_full_test_mIoU"] = pct_of_full(out["cris_pseudo"], out["cris_full"])
    return out


def run_full(args: argparse.Namespace, seed: int) -> dict:
    """The fully supervised toy LAVT: --epochs epochs over SynthRef's train refs."""
    work = Path(args.work_dir) / f"seed{seed}"
    return train_and_test("lavt_full", FULL, work, epoch_options(args.epochs), seed)


def pseudo_epochs(full_epochs: int, pseudo_refs: int) -> int:
    """Epochs over the pseudo refs with about as many iterations as ``full_epochs`` over
    SynthRef's train refs."""
    per_epoch = -(-pseudo_refs // BATCH)
    full_iters = full_epochs * -(-TRAIN_REFS // BATCH)
    return max(1, round(full_iters / per_epoch))


def pct_of_full(pseudo: dict, full: dict) -> float:
    """Test mIoU of the pseudo run in percent of the full run's."""
    return 100 * pseudo["test_mIoU"] / max(full["test_mIoU"], 1e-9)


def figures(run: dict) -> str:
    """``val / test mIoU, val / test oIoU`` of a run, for the tables."""
    return (
        f"{run['val_mIoU']:.2f} / {run['test_mIoU']:.2f}, "
        f"{run['val_oIoU']:.2f} / {run['test_oIoU']:.2f}"
    )


def run_seed(args: argparse.Namespace, seed: int) -> dict:
    work = Path(args.work_dir) / f"seed{seed}"
    generate(work, args.max_refs, seed)
    meta = json.loads((work / "refer" / "pseudo_meta.json").read_text())
    res = dict(pseudo_refs=meta["refs"], pseudo_sentences=meta["sentences"])
    res["pseudo_epochs"] = pseudo_epochs(args.epochs, meta["refs"])
    pseudo = [
        f"train_dataloader.dataset.data_root={work / 'refer'}",
        *epoch_options(res["pseudo_epochs"]),
    ]
    res["lavt_pseudo"] = train_and_test("lavt_pseudo", PSEUDO, work, pseudo, seed)
    generate_plain(work, args.max_refs, seed)
    res.update(evaluate_pseudo(work))
    res["lavt_full"] = run_full(args, seed)
    res["full_epochs"] = args.epochs
    res["pseudo_over_full_test_mIoU"] = pct_of_full(res["lavt_pseudo"], res["lavt_full"])
    if args.cris:
        res.update(run_cris(args, seed, work, meta["refs"]))
    return res


def table(results: dict) -> str:
    rows = [
        "| seed | mask mIoU (recall / precision) | distinct % plain all / filt | distinct % "
        "dist. all / filt | LAVT pseudo val / test mIoU, oIoU | LAVT full val / test "
        "mIoU, oIoU | pseudo / full test mIoU |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed, r in sorted(results.items()):
        rows.append(
            f"| {seed} | {r['mask_recall_miou']:.1f} / {r['mask_precision_miou']:.1f} | "
            f"{r['distinct_plain_all']:.1f} / {r['distinct_plain_filtered']:.1f} | "
            f"{r['distinct_dist_all']:.1f} / {r['distinct_dist_filtered']:.1f} | "
            f"{figures(r['lavt_pseudo'])} | {figures(r['lavt_full'])} | "
            f"{r['pseudo_over_full_test_mIoU']:.1f}% |"
        )
    cris = [(seed, r) for seed, r in sorted(results.items()) if "cris_pseudo" in r]
    if cris:
        rows += [
            "",
            "| seed | CRIS pseudo val / test mIoU, oIoU | CRIS full val / test mIoU, oIoU | "
            "pseudo / full test mIoU |",
            "|---|---|---|---|",
        ]
    for seed, r in cris:
        rows.append(
            f"| {seed} | {figures(r['cris_pseudo'])} | {figures(r['cris_full'])} | "
            f"{r['cris_pseudo_over_full_test_mIoU']:.1f}% |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="work_dirs/pseudo_ris_bench")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--max-refs", type=int, default=600, help="train refs whose images are used"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=1,
        help="epochs of the fully supervised run; the pseudo run gets as many iterations",
    )
    parser.add_argument(
        "--cris",
        action="store_true",
        help="also CRIS (stand-in CLIP) on the pseudo pairs and on the GT",
    )
    parser.add_argument(
        "--cris-epochs", type=int, default=4, help="CRIS epochs over the GT (config: 4)"
    )
    parser.add_argument(
        "--full-only",
        action="store_true",
        help="only the fully supervised run (needs no stand-in; may run beside the rest)",
    )
    parser.add_argument(
        "--gen-options",
        nargs="+",
        default=[],
        help="config overrides of the generation config (e.g. another captioner checkpoint)",
    )
    args = parser.parse_args()
    GEN_OPTIONS.extend(args.gen_options)
    results = {}
    for seed in args.seeds:
        if args.full_only:
            print(seed, run_full(args, seed))
            continue
        results[str(seed)] = run_seed(args, seed)
        runner.save_results(Path(args.work_dir) / "results.json", {str(seed): results[str(seed)]})
    if results:
        print(table(results))


if __name__ == "__main__":
    main()
