"""Label-efficiency plots of the SynthRef benchmarks, drawn from the raw JSON in docs/benchmarks/.

One PNG per method, ``<out-dir>/label_efficiency_<method>.png``: mIoU (left) and oIoU (right)
against the percentage of training masks (log axis), one line per training recipe, the
full-supervision reference as a dashed line, and the standard deviation over seeds as error bars
(band for the reference) wherever a point has more than one seed. Nothing is recomputed: every
point is a record (``{"mIoU": ..., "oIoU": ...}``) that a benchmark script wrote, found by its
path in the JSON, so the plots change only when the raw figures do.

    python benchmarks/plot_results.py [--json-dir docs/benchmarks] [--out-dir docs/images] \
        [--methods semires partial_res]

A benchmark runner calls ``write_plots(json_dir, out_dir)`` after it has written its JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Curve:
    """One training recipe: ``points`` maps a mask percentage to record paths, one per seed.

    A path is ``"<file>.json:key/key/..."`` relative to the JSON directory; the record it names
    holds ``mIoU`` and ``oIoU`` (x100).
    """

    label: str
    points: dict[float, list[str]]
    style: dict = field(default_factory=dict)
    text_offset: tuple[int, int] = (0, 8)  # of the value written next to each point, in points


@dataclass
class Figure:
    """A method's plot: its curves, the full-supervision reference (one path per seed), titles."""

    title: str
    protocol: str
    curves: list[Curve]
    reference_label: str
    reference: list[str]


def _seeds(template: str, seeds: range | list[int]) -> list[str]:
    return [template.format(s=s) for s in seeds]


def _large(key: str) -> str:
    return f"semires_label_efficiency_large.json:{key}"


def _burn_in_large(seed: int) -> str:
    """The 40-epoch 1 % burn-in of a seed of SynthRef large (seeds 0-2 and 3-4 are kept apart)."""
    if seed == 0:
        return _large("refinements_seed0/lavt_1pct_long")
    if seed < 3:
        return _large(f"refinements_seeds/seed{seed}/lavt_1pct_long")
    return _large(f"four_times_budget/seed{seed}/lavt_1pct_long")


def semires_figure() -> Figure:
    """SemiRES at RefCOCO's scale (SynthRef large), four times the budget, five seeds, val."""
    seeds = range(5)
    full = _seeds(_large("four_times_budget/seed{s}/lavt_100pct_4x"), seeds)
    return Figure(
        title="SemiRES (toy LAVT) on SynthRef large",
        protocol="val, every sentence, 128 px, logit > 0; mean ± sd of 5 seeds; 4x budget",
        curves=[
            Curve(
                "LAVT, supervised (1 %: burn-in)",
                {1.0: [_burn_in_large(s) for s in seeds], 100.0: full},
                dict(color="tab:gray", marker="o"),
                (9, -4),
            ),
            Curve(
                "SemiRES-CPI (release)",
                {1.0: _seeds(_large("four_times_budget/seed{s}/semires_cpi_4x"), seeds)},
                dict(color="tab:blue", marker="s"),
                (9, -11),
            ),
            Curve(
                "SemiRES-CPI, strong view without hue shift",
                {1.0: _seeds(_large("strong_view_without_hue/seed{s}"), seeds)},
                dict(color="tab:orange", marker="D"),
                (9, 3),
            ),
        ],
        reference_label="100 % masks (LAVT)",
        reference=full,
    )


def partial_res_figure() -> Figure:
    """SeqTR, Partial-RES and its joint variant on SynthRef default, test split."""
    runs = "seqtr_label_efficiency.json:runs/"
    return Figure(
        title="SeqTR / Partial-RES on SynthRef default",
        protocol="test (testA + testB), every sentence, 128 px, EMA weights; one seed "
        "(joint 1 %: two)",
        curves=[
            Curve(
                "SeqTR from scratch",
                {p: [f"{runs}seqtr_{p}pct"] for p in (1, 5, 10, 100)},
                dict(color="tab:gray", marker="o"),
            ),
            Curve(
                "Partial-RES step 2 (paper's pipeline)",
                {p: [f"{runs}pres_{p}pct"] for p in (1, 5, 10)},
                dict(color="tab:red", marker="v"),
            ),
            Curve(
                "Partial-RES joint variant (risseg)",
                {
                    1: [f"{runs}joint_1pct", "seqtr_label_efficiency.json:seed1/joint_1pct"],
                    5: [f"{runs}joint_5pct"],
                    10: [f"{runs}joint_10pct"],
                    100: [f"{runs}joint_100pct"],
                },
                dict(color="tab:blue", marker="s"),
                (0, -15),
            ),
        ],
        reference_label="100 % masks, SeqTR from the box model",
        reference=[f"{runs}seqtr_100pct_det"],
    )


FIGURES = {"semires": semires_figure, "partial_res": partial_res_figure}


def load_record(json_dir: str | Path, path: str) -> tuple[float, float]:
    """(mIoU, oIoU) of the record at ``"<file>.json:key/key"`` under ``json_dir``.

    Raises:
        KeyError: naming the file and the missing key, or the record without mIoU / oIoU.
    """
    name, _, keys = path.partition(":")
    node = json.loads((Path(json_dir) / name).read_text())
    for key in keys.split("/") if keys else []:
        if not isinstance(node, dict) or key not in node:
            raise KeyError(f"{Path(json_dir) / name}: no '{key}' on the way to '{keys}'")
        node = node[key]
    if not isinstance(node, dict) or "mIoU" not in node or "oIoU" not in node:
        raise KeyError(f"{Path(json_dir) / name}: '{keys}' holds no mIoU / oIoU record")
    return float(node["mIoU"]), float(node["oIoU"])


def summarise(json_dir: str | Path, paths: list[str]) -> dict[str, tuple[float, float]]:
    """Mean and sample sd over seeds: ``{"mIoU": (mean, sd), "oIoU": (mean, sd)}``; sd 0 alone."""
    values = [load_record(json_dir, p) for p in paths]
    out = {}
    for i, metric in enumerate(("mIoU", "oIoU")):
        column = [v[i] for v in values]
        sd = statistics.stdev(column) if len(column) > 1 else 0.0
        out[metric] = (statistics.fmean(column), sd)
    return out


def plot_figure(figure: Figure, json_dir: str | Path, out_png: str | Path) -> Path:
    """Draw ``figure`` from the JSON under ``json_dir`` into ``out_png``; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reference = summarise(json_dir, figure.reference)
    n_ref = len(figure.reference)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.0), sharex=True)
    for ax, metric in zip(axes, ("mIoU", "oIoU"), strict=True):
        mean, sd = reference[metric]
        ax.axhline(mean, color="black", ls="--", lw=1.2, label=figure.reference_label)
        ax.annotate(
            f"{mean:.1f}", (0.75, mean), textcoords="offset points", xytext=(0, 4), fontsize=8
        )
        if n_ref > 1:
            ax.axhspan(mean - sd, mean + sd, color="black", alpha=0.08, lw=0)
        for curve in figure.curves:
            pcts = sorted(curve.points)
            stats = [summarise(json_dir, curve.points[p])[metric] for p in pcts]
            seeded = any(len(curve.points[p]) > 1 for p in pcts)
            ax.errorbar(
                pcts,
                [m for m, _ in stats],
                yerr=[s for _, s in stats] if seeded else None,
                capsize=4,
                lw=1.6,
                ms=6,
                label=curve.label,
                **curve.style,
            )
            for p, (m, _) in zip(pcts, stats, strict=True):
                if p < 100:
                    ax.annotate(
                        f"{m:.1f}",
                        (p, m),
                        textcoords="offset points",
                        xytext=curve.text_offset,
                        fontsize=8,
                        ha="center" if curve.text_offset[0] == 0 else "left",
                        color=curve.style.get("color", "black"),
                    )
        ax.set_xscale("log")
        ax.set_xticks([1, 5, 10, 100], ["1", "5", "10", "100"])
        ax.set_xlim(0.7, 140)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.06)
        ax.set_xlabel("training masks (%)")
        ax.set_ylabel(f"{metric} (x100)")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(f"{figure.title}\n{figure.protocol}", fontsize=10)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return out_png


def write_plots(
    json_dir: str | Path = ROOT / "docs" / "benchmarks",
    out_dir: str | Path = ROOT / "docs" / "images",
    methods: list[str] | None = None,
) -> list[Path]:
    """Write ``label_efficiency_<method>.png`` for each method (default: all); returns the paths.

    Raises:
        ValueError: an unknown method name.
    """
    unknown = sorted(set(methods or []) - set(FIGURES))
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {sorted(FIGURES)}")
    return [
        plot_figure(FIGURES[m](), json_dir, Path(out_dir) / f"label_efficiency_{m}.png")
        for m in (methods or list(FIGURES))
    ]


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-dir", default=str(ROOT / "docs" / "benchmarks"))
    parser.add_argument("--out-dir", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--methods", nargs="+", choices=sorted(FIGURES))
    args = parser.parse_args()
    for path in write_plots(args.json_dir, args.out_dir, args.methods):
        print(path)


if __name__ == "__main__":
    main()
