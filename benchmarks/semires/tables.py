"""The printed tables of the SemiRES label-efficiency benchmark (results of one or more --out
directories -> Markdown lines)."""

from __future__ import annotations

import numpy as np

from .runs import RUNS, burn_in_of, reference_of


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
                burn = figures(burn_in_of(name), "mIoU")
                if burn is not None:
                    gain = f"{(miou - burn).mean():+.2f}"
            rows.append(
                f"| {name} | {mean_sd(miou)} | {mean_sd(oiou)} | {ratio} | {ratio_o} | "
                f"{per_seed_ratio} | {gain} |"
            )
        return rows

    lines = [
        f"{len(seeds)} seeds: " + ", ".join(seeds),
        "val (checkpoints chosen on it):",
        *header,
        *table(None),
    ]
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
        burn_name = burn_in_of(name)
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
