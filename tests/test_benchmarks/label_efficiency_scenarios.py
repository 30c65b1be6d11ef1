"""Fake launches for the label-efficiency benchmarks and the scenarios they are driven through.

``drive`` runs a benchmark script's ``main()`` on a scenario's command line with every
subprocess replaced by ``simulate`` (which writes what ``tools/train.py``, ``tools/test.py``,
``tools/choose_pseudo.py`` and ``tools/pretrain_synthref_encoders.py`` would leave behind,
tiny and deterministic) and returns what the benchmark did: its launches (command, log, threads),
its stdout and every JSON file it wrote, with the temporary folder written as ``<tmp>`` and
the interpreter as ``python``. ``data/label_efficiency_frozen.json`` holds the same record of
the scripts as they were before they shared ``benchmarks/runner.py`` (commit 3bf852b).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import torch

TMP = "<tmp>"
# name -> (script, arguments); {tmp} is the scenario's temporary folder. Later scenarios of a
# script reuse the folders of earlier ones (--test-split, --summary, --report).
SCENARIOS: dict[str, tuple[str, list[str]]] = {
    "semires_smoke": ("semires", ["--out", "{tmp}/smoke"]),
    "semires_report": ("semires", ["--out", "{tmp}/smoke", "--report"]),
    "semires_full_pretrained": (
        "semires",
        ["--full", "--out", "{tmp}/full", "--seed", "3", "--pretrained-encoders", "{tmp}/enc"],
    ),
    "semires_large": (
        "semires",
        [
            "--full",
            "--preset",
            "large",
            "--out",
            "{tmp}/large",
            "--seed",
            "1",
            "--pretrained-encoders",
            "{tmp}/enc_large",
        ],
    ),
    "semires_large_test_split": (
        "semires",
        ["--preset", "large", "--out", "{tmp}/large", "--test-split"],
    ),
    "semires_large_only": (
        "semires",
        [
            "--full",
            "--preset",
            "large",
            "--out",
            "{tmp}/large_s2",
            "--only",
            "semires_cpi_allsent_late_4x",
        ],
    ),
    "semires_summary": ("semires", ["--summary", "{tmp}/large", "{tmp}/large_s2"]),
    "seqtr_all": (
        "seqtr",
        ["--work-dir", "{tmp}/le", "--ratios", "1", "5", "--threads", "1", "--seed", "2"],
    ),
    "seqtr_default": ("seqtr", ["--work-dir", "{tmp}/le_default"]),
    "seqtr_rpp_steps": (
        "seqtr",
        [
            "--work-dir",
            "{tmp}/le_rpp",
            "--steps",
            "pres_1pct_rpp",
            "joint_1pct_rpp",
            "seqtr_1pct",
            "--det-checkpoint",
            "{tmp}/det.pth",
            "--rpp-refs",
            "50",
        ],
    ),
}


def _arg(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def simulate(cmd: list[str], log: str | Path) -> str:
    """Leave behind what the launched tool would, append its output to ``log``, return it.

    A training run writes one validation and one logged iteration to
    ``<work-dir>/20260101_000000/vis_data/scalars.json`` (mIoU from the work dir's name, so
    that runs differ) and ``epoch_1.pth`` (meta iter 12) + ``last_checkpoint``.
    """
    tool = Path(cmd[1]).name
    output = ""
    if tool == "train.py":
        work = Path(_arg(cmd, "--work-dir"))
        vis = work / "20260101_000000" / "vis_data"
        vis.mkdir(parents=True, exist_ok=True)
        miou = 20.0 + len(work.name)
        records = [dict(loss=1.0, time=0.5, step=12), dict(mIoU=miou, oIoU=miou - 1, step=1)]
        (vis / "scalars.json").write_text("\n".join(json.dumps(r) for r in records) + "\n")
        ckpt = work / "epoch_1.pth"
        torch.save(dict(meta=dict(iter=12)), ckpt)
        (work / "last_checkpoint").write_text(str(ckpt))
    elif tool == "test.py":
        output = "{'mIoU': 31.5, 'oIoU': 29.25, 'prec@0.5': 30.0}\n"
    elif tool == "choose_pseudo.py":
        output = json.dumps(dict(num_labeled=7, num_kept=40)) + "\nwrote 40 pseudo masks\n"
    elif tool == "pretrain_synthref_encoders.py":
        enc = Path(_arg(cmd, "--out"))
        (enc / "bert").mkdir(parents=True, exist_ok=True)
        (enc / "swin.pth").write_bytes(b"")
        log_ = dict(
            corpus="data/synthref_pretrain",
            corpus_seed=1,
            swin=[dict(epoch=1)],
            bert=[dict(epoch=1)],
        )
        (enc / "pretrain_log.json").write_text(json.dumps(log_))
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as f:
        f.write(output)
    return output


def fake_proposal_quality(preset: str, n_refs: int = 500, folder: str = "proposals") -> dict:
    """Stand-in for the SemiRES benchmark's proposal check (it reads the real data)."""
    return dict(refs=3, mean_best_iou=0.5, frac_best_iou_gt_0_5=0.25, mean_proposals=4.0)


def fake_supervision(ratio: int) -> dict:
    """Stand-in for SynthRef's supervision_<r>pct.json: 65 x r masked refs."""
    return dict(mask=list(range(65 * ratio)), box=[])


def scrub(value, tmp: str):
    """``value`` with the temporary folder as ``<tmp>`` and the interpreter as ``python``."""
    if isinstance(value, dict):
        return {k: scrub(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, tmp) for v in value]
    if isinstance(value, str):
        return value.replace(sys.executable, "python").replace(tmp, TMP)
    return value


def _json_files(tmp: str) -> dict:
    return {
        str(p.relative_to(tmp)): json.loads(p.read_text())
        for p in sorted(Path(tmp).rglob("*.json"))
        if p.name != "scalars.json"
    }


def drive(main, argv: list[str], tmp: str, launches: list) -> dict:
    """Run ``main()`` with ``argv`` (``{tmp}`` filled in); the caller has routed every launch
    through ``simulate`` and appends ``(cmd, log, threads)`` to ``launches``.

    Returns:
        dict(launches, stdout, files): scrubbed; ``files`` maps each JSON file under ``tmp``
        (but scalars.json) that the run wrote or changed to its content.
    """
    before = _json_files(tmp)
    args = [a.replace("{tmp}", tmp) for a in argv]
    stdout = io.StringIO()
    old_argv = sys.argv
    sys.argv = ["benchmark.py", *args]
    try:
        with contextlib.redirect_stdout(stdout):
            main()
    finally:
        sys.argv = old_argv
    files = {k: v for k, v in _json_files(tmp).items() if before.get(k) != v}
    return scrub(
        dict(
            launches=[[list(map(str, c)), str(lg), t] for c, lg, t in launches],
            stdout=stdout.getvalue().splitlines(),
            files=files,
        ),
        tmp,
    )
