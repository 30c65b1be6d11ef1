"""Train the SynthRef stand-in foundation models (CLIP, CoCa, detector, SAM); report their quality.

Each part is the module ``risseg.standins.<part>`` (``train_part`` / ``evaluate_part``). The
corpus (a SynthRef generated with another seed than the benchmark) is generated when missing;
each part trains into ``<out>/<part>/`` (a part with ``done.json`` is skipped, an interrupted
one resumes after its last finished epoch), is evaluated on the benchmark's val split, and
``<out>/standins_report.json`` collects the figures and training times.

Usage:
    OMP_NUM_THREADS=1 python tools/train_standins.py --out work_dirs/standins \
        [--parts clip coca detector sam] [--corpus data/synthref_pretrain]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

PARTS = ("clip", "coca", "detector", "sam")
BENCHMARK_SEED = 0  # data/synthref: evaluation only, never a training corpus
REPORT = "standins_report.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="work_dirs/standins", help="output folder")
    parser.add_argument("--parts", nargs="+", default=list(PARTS), help=f"any of {PARTS}")
    parser.add_argument(
        "--corpus",
        default="data/synthref_pretrain",
        help="training corpus (SynthRef folder); generated when missing",
    )
    parser.add_argument(
        "--corpus-seed",
        type=int,
        default=1,
        help="generator seed of a missing corpus (not the benchmark's 0)",
    )
    parser.add_argument("--preset", default="default", help="SynthRef preset of a missing corpus")
    parser.add_argument(
        "--data-root",
        default="data/synthref",
        help="the benchmark (evaluation on its val split only)",
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument(
        "--epochs-scale",
        type=float,
        default=None,
        help="multiply each part's default epochs (e.g. 0.1 for a smoke run)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--no-eval", action="store_true", help="train only")
    return parser.parse_args(argv)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def import_part(part: str) -> ModuleType:
    """``risseg.standins.<part>`` with ``train_part`` and ``evaluate_part``, else a clear error."""
    name = f"risseg.standins.{part}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:
            raise
        raise RuntimeError(
            f"part {part!r}: module {name} does not exist (yet); "
            f"available parts need risseg/standins/{part}.py"
        ) from err
    missing = [f for f in ("train_part", "evaluate_part") if not callable(getattr(module, f, None))]
    if missing:
        raise RuntimeError(f"part {part!r}: {name} has no {' / '.join(missing)}")
    return module


def prepare_corpus(corpus: Path, data_root: Path, corpus_seed: int, preset: str) -> None:
    """Generate the corpus if missing; refuse the benchmark itself or its seed."""
    if corpus.resolve() == data_root.resolve():
        raise ValueError(f"--corpus {corpus} is the benchmark ({data_root}); use another folder")
    meta_file = corpus / "synthref_meta.json"
    if corpus.is_dir():
        if not meta_file.is_file():
            raise FileNotFoundError(f"{meta_file}: missing; is {corpus} a SynthRef corpus?")
        seed = json.loads(meta_file.read_text(encoding="utf-8")).get("seed")
        if seed == BENCHMARK_SEED:
            raise ValueError(
                f"{meta_file}: seed {seed} is the benchmark's; regenerate the corpus "
                "with another --corpus-seed"
            )
        return
    if corpus_seed == BENCHMARK_SEED:
        raise ValueError(f"--corpus-seed {corpus_seed} is the benchmark's seed; choose another")
    from risseg.datasets.synthref import generate_synthref

    log(f"generating corpus {corpus} (preset {preset}, seed {corpus_seed})")
    generate_synthref(str(corpus), preset=preset, seed=corpus_seed)


def part_epochs(module: ModuleType, scale: float | None) -> int | None:
    """The part's default ``EPOCHS`` times ``scale`` (at least 1); ``None`` without a scale."""
    if scale is None:
        return None
    if not isinstance(getattr(module, "EPOCHS", None), int):
        raise RuntimeError(f"{module.__name__} has no integer EPOCHS to scale")
    return max(1, round(module.EPOCHS * scale))


def run_part(
    part: str,
    args: argparse.Namespace,
    out: Path,
    importer: Callable[[str], ModuleType] = import_part,
) -> dict:
    """Train (unless done) and evaluate one part; returns its report entry."""
    module = importer(part)
    part_dir = out / part
    done_file = part_dir / "done.json"
    if done_file.is_file():
        log(f"{part}: already trained ({done_file}), skipping training")
    else:
        epochs = part_epochs(module, args.epochs_scale)
        log(f"{part}: training into {part_dir} (epochs: {epochs or 'default'})")
        module.train_part(
            Path(args.corpus), part_dir, seed=args.seed, epochs=epochs, log=lambda msg: log(msg)
        )
        if not done_file.is_file():
            raise RuntimeError(f"part {part!r}: train_part finished without writing {done_file}")
    entry = dict(training=json.loads(done_file.read_text(encoding="utf-8")))
    if not args.no_eval:
        log(f"{part}: evaluating on {args.data_root} val")
        t0 = time.perf_counter()
        entry["val"] = module.evaluate_part(part_dir, Path(args.data_root), "val")
        entry["eval_seconds"] = round(time.perf_counter() - t0, 1)
        log(f"{part}: val {json.dumps(entry['val'])}")
    return entry


def _read_report(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def main(
    argv: list[str] | None = None, importer: Callable[[str], ModuleType] = import_part
) -> dict:
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    prepare_corpus(Path(args.corpus), Path(args.data_root), args.corpus_seed, args.preset)
    report_file, report, failed = out / REPORT, {}, {}
    for part in args.parts:
        try:
            entry = run_part(part, args, out, importer)
        except RuntimeError as err:
            failed[part] = str(err)
            log(f"{part}: FAILED: {err}")
            continue
        # read again: another run of the driver (other parts) may have written meanwhile
        report = _read_report(report_file)
        report[part] = entry
        report_file.write_text(json.dumps(report, indent=2), encoding="utf-8")
    log(f"report: {report_file}")
    if failed:
        raise SystemExit(f"{len(failed)} part(s) failed: " + "; ".join(failed.values()))
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
