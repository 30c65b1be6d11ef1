"""Plot training curves and training time from the scalars that mmengine logs.

    python tools/analysis/analyze_logs.py plot_curve work_dirs/X/*/vis_data/scalars.json \
        --keys loss mIoU [--legend run1 run2] [--title T] --out curve.png
    python tools/analysis/analyze_logs.py cal_train_time work_dirs/X/*/vis_data/scalars.json

``scalars.json`` (written by ``LocalVisBackend`` into ``<work_dir>/<timestamp>/vis_data/``) has
one JSON object per logging step: training lines (``loss``, ``lr``, ... with ``iter`` and
``step`` = iteration) and validation lines (the metric's keys, ``step`` = epoch for
epoch-based training). ``plot_curve`` draws one panel per key: training keys against the
iteration, validation keys against the epoch (the iteration for iteration-based training),
one line per log. Without ``--out`` the figure is shown in a window.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def load_scalars(path: str) -> tuple[list[dict], list[dict]]:
    """(training lines, validation lines) of a ``scalars.json`` file.

    Raises:
        FileNotFoundError / ValueError: naming the file (and the line) that cannot be read.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"no log file {path}")
    train, val = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path} line {number}: not JSON ({err})") from err
            (train if "iter" in record else val).append(record)
    if not train and not val:
        raise ValueError(f"{path}: no logged scalars")
    return train, val


def series(path: str, key: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, y, x label) of ``key`` in the log at ``path``.

    Raises:
        KeyError: the log has no such key (the message lists the keys it has).
    """
    train, val = load_scalars(path)
    for lines, x_key in ((train, "iter"), (val, "step")):
        points = [(r[x_key], r[key]) for r in lines if key in r]
        if points:
            x, y = np.asarray(points, dtype=np.float64).T
            by_epoch = lines is val and any("epoch" in r for r in train)
            label = "iteration" if lines is train or not by_epoch else "epoch"
            return x, y, label
    keys = sorted({k for r in train + val for k in r} - {"iter", "epoch", "step"})
    raise KeyError(f"{path} has no key {key!r}; it has {keys}")


def _run_name(path: str) -> str:
    """work_dirs/<run>/<timestamp>/vis_data/scalars.json -> <run>."""
    parts = Path(path).resolve().parts
    return parts[-4] if len(parts) >= 4 else Path(path).stem


def plot_curve(
    logs: list[str],
    keys: list[str],
    legend: list[str] | None = None,
    title: str | None = None,
    out: str | None = None,
):
    """One panel per key, one line per log; saved to ``out`` or shown.

    Returns:
        The matplotlib figure.
    """
    import matplotlib

    if out is not None:
        matplotlib.use("Agg")  # no display needed to write a file
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    legend = legend or [_run_name(p) for p in logs]
    if len(legend) != len(logs):
        raise ValueError(f"{len(legend)} legend entries for {len(logs)} logs")
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.2), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        for path, name in zip(logs, legend, strict=True):
            x, y, x_label = series(path, key)
            ax.plot(x, y, marker="o" if len(x) < 20 else None, label=name)
            ax.set_xlabel(x_label)
            if x_label == "epoch":
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(key)
        ax.grid(alpha=0.3)
        if len(logs) > 1:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if out is None:
        plt.show()
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=100)
    return fig


def train_time(path: str) -> dict:
    """Mean, fastest and slowest logged seconds per training iteration of a log."""
    train, _ = load_scalars(path)
    times = np.asarray([r["time"] for r in train if "time" in r], dtype=np.float64)
    if not len(times):
        raise ValueError(f"{path}: no training 'time' logged")
    return dict(
        log=path,
        mean_s_per_iter=float(times.mean()),
        fastest=float(times.min()),
        slowest=float(times.max()),
        logged_steps=int(len(times)),
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Analyse mmengine scalars.json logs")
    sub = parser.add_subparsers(dest="task", required=True)
    plot = sub.add_parser("plot_curve", help="plot logged values")
    plot.add_argument("logs", nargs="+", help="scalars.json files")
    plot.add_argument("--keys", nargs="+", default=["loss"], help="values to plot")
    plot.add_argument("--legend", nargs="+", help="one name per log (default: the run folder)")
    plot.add_argument("--title")
    plot.add_argument("--out", help="image file to write (default: show a window)")
    timing = sub.add_parser("cal_train_time", help="seconds per training iteration")
    timing.add_argument("logs", nargs="+", help="scalars.json files")
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        if args.task == "plot_curve":
            return plot_curve(args.logs, args.keys, args.legend, args.title, args.out)
        results = [train_time(path) for path in args.logs]
    except (OSError, KeyError, ValueError) as err:  # a missing log, an unknown key
        sys.exit(f"analyze_logs.py: {err.args[0] if isinstance(err, KeyError) else err}")
    for result in results:
        print(json.dumps(result))
    return results


if __name__ == "__main__":
    main()
