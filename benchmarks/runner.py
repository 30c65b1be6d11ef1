"""What the training benchmarks share: launching, resuming, timing and collecting runs.

A benchmark run is ``tools/train.py CONFIG --work-dir DIR --resume --cfg-options ...`` (and
``tools/test.py`` on its checkpoint) in a subprocess: ``launch`` runs one command with its
output appended to a log (a relaunch keeps the earlier launches' output) and measures its wall
time and peak RSS; ``train_once`` relaunches an interrupted run, which then continues from its
last checkpoint (``--resume``), and skips a finished one (a marker file in its work dir);
``read_scalars`` reads the validations and logged iterations of every launch of a run from
mmengine's ``vis_data/scalars.json``; ``save_results`` merges a benchmark's results into its
JSON, which parallel jobs share; ``print_json`` prints a script's result and writes it to its
``--out`` file. Benchmark scripts import this file as ``runner`` (they put benchmarks/ on
``sys.path``).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def launch(
    cmd: Sequence[str], log: str | Path, threads: int | None = None, cwd: str | Path | None = None
) -> dict:
    """Run ``cmd``, its stdout and stderr appended to ``log``.

    Args:
        cmd: the command (``sys.executable`` and a script path, then its arguments).
        log: text file the output is appended to (folders made as needed).
        threads: ``OMP_NUM_THREADS`` of the command; None keeps this process's (default 2).
        cwd: working directory (None: this process's); ``PYTHONPATH`` is the repository root.

    Returns:
        dict(wall_s, peak_rss_mib, output): the launch's seconds, the peak resident set of the
        command's process (MiB) and what it printed.

    Raises:
        RuntimeError: the command failed (names the log).
    """
    threads_env = str(threads) if threads is not None else os.environ.get("OMP_NUM_THREADS", "2")
    env = dict(os.environ, OMP_NUM_THREADS=threads_env, PYTHONPATH=str(ROOT))
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    print("$", " ".join(map(str, cmd)), flush=True)
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as f:
        offset = f.tell()
        proc = subprocess.Popen(
            list(map(str, cmd)), stdout=f, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:2]))} failed; see {log}")
    print(f"  done in {wall:.0f} s", flush=True)
    with log.open(encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        output = f.read()
    return dict(wall_s=wall, peak_rss_mib=usage.ru_maxrss / 1024, output=output)


def train_command(config: str | Path, work_dir: str | Path, options: Sequence[str]) -> list[str]:
    """``tools/train.py`` resuming from the last checkpoint of ``work_dir`` (a first launch
    starts afresh), with ``--cfg-options`` when ``options`` is not empty."""
    cmd = [sys.executable, "tools/train.py", str(config), "--work-dir", str(work_dir), "--resume"]
    return cmd + (["--cfg-options", *options] if options else [])


def test_command(
    config: str | Path, checkpoint: str | Path, work_dir: str | Path, options: Sequence[str] = ()
) -> list[str]:
    """``tools/test.py`` of ``checkpoint`` (results under ``work_dir``)."""
    cmd = [
        sys.executable,
        "tools/test.py",
        str(config),
        str(checkpoint),
        "--work-dir",
        str(work_dir),
    ]
    return cmd + (["--cfg-options", *options] if options else [])


def train_once(
    config: str | Path,
    work_dir: str | Path,
    options: Sequence[str],
    marker: str,
    threads: int | None = None,
    cwd: str | Path | None = None,
) -> dict | None:
    """Launch a training run unless ``<work_dir>/<marker>`` exists (the caller writes the
    marker once it has what it needs of the finished run).

    Returns:
        None when the run had finished; else ``launch``'s figures of this launch plus ``cmd``
        (the command line, one string) and ``resumed`` (an earlier launch had left a
        checkpoint: the wall time is then that of this last launch only).
    """
    work_dir = Path(work_dir)
    if (work_dir / marker).exists():
        return None
    resumed = (work_dir / "last_checkpoint").exists()
    cmd = train_command(config, work_dir, options)
    usage = launch(cmd, work_dir / "train.log", threads, cwd)
    return dict(usage, cmd=" ".join(cmd), resumed=resumed)


def printed_metrics(output: str, log: str | Path) -> dict:
    """The metrics dict ``tools/test.py`` printed last in ``output`` (from ``log``).

    Raises:
        RuntimeError: none was printed (names the log).
    """
    printed = [line for line in output.splitlines() if line.startswith("{")]
    if not printed:
        raise RuntimeError(f"tools/test.py printed no metrics; see {log}")
    return ast.literal_eval(printed[-1])


def read_scalars(work_dir: str | Path, last_launch: bool = False) -> tuple[list[dict], list[dict]]:
    """Validation and training records of a run, over every launch (one timestamped
    ``vis_data/scalars.json`` each; a resumed run continues in a new one), or over the last
    launch only.

    Returns:
        (validations by step, a later launch's record of a step replacing an earlier one's;
        every training record, in order).

    Raises:
        FileNotFoundError: the run has no scalars.json.
    """
    files = sorted(Path(work_dir).glob("*/vis_data/scalars.json"))  # names sort by time
    if not files:
        raise FileNotFoundError(f"No scalars.json under {work_dir}")
    val, train = {}, []
    for path in files[-1:] if last_launch else files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if "mIoU" in record:
                val[record.get("step")] = record
            elif "loss" in record:
                train.append(record)
    return list(val.values()), train


def save_results(path: str | Path, updates: dict) -> dict:
    """Write ``updates`` (name -> figures) into the JSON file ``path`` that parallel jobs share.

    What another job saved there is kept, except under the keys of ``updates``; the file is
    written aside and renamed, so that a job starting meanwhile never reads a half-written file.

    Returns:
        everything the file now holds.
    """
    path = Path(path)
    results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    results.update(updates)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(results, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return results


def print_json(result: dict, out: str | Path | None = None) -> None:
    """Print ``result`` as indented JSON and, with ``out``, also write it there (folders made)."""
    text = json.dumps(result, indent=1)
    print(text)
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")


def inference_speed(
    config: str,
    checkpoint: str | Path,
    n_batches: int,
    warmup: int = 0,
    batch_size: int | None = None,
    threads: int | None = None,
) -> float:
    """Images/s of ``predict`` on the config's val batches (data loading excluded).

    Args:
        config, checkpoint: the model and its weights.
        n_batches: timed batches, after ``warmup`` untimed ones.
        batch_size: val batch size (None: the config's); set, the loader runs in this process.
        threads: torch threads (None: unchanged).
    """
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner, load_checkpoint

    from risseg.models.utils import build
    from risseg.utils import register_all_modules

    register_all_modules()
    if threads is not None:
        torch.set_num_threads(threads)
    cfg = Config.fromfile(config)
    if batch_size is not None:
        cfg.val_dataloader.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    model = build(cfg.model).eval()
    load_checkpoint(model, str(checkpoint), map_location="cpu")
    loader = Runner.build_dataloader(cfg.val_dataloader)
    n, elapsed = 0, 0.0
    with torch.no_grad():
        for i, batch in zip(range(warmup + n_batches), loader, strict=False):
            data = model.data_preprocessor(batch, False)
            start = time.perf_counter()
            model(**data, mode="predict")
            if i >= warmup:
                elapsed += time.perf_counter() - start
                n += len(data["data_samples"])
    return n / elapsed
