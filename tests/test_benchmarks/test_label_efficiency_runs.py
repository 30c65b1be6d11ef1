"""The label-efficiency benchmarks on their shared runner launch exactly what they launched
before (every command line, log and thread count, in order), print the same tables and write
the same result JSON files, in every scenario of label_efficiency_scenarios.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from risseg.testing import load_script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIOS = load_script(HERE / "label_efficiency_scenarios.py")
FROZEN = json.loads((HERE / "data" / "label_efficiency_frozen.json").read_text())
SCRIPTS = {"semires": "semires_label_efficiency", "seqtr": "seqtr_label_efficiency"}


def fast_rebased_config(config: str, preset: str, out: str) -> str:
    """``rebased_config``'s file, a config inheriting ``config`` (its own test checks what
    it moves; dumping a whole config takes a second)."""
    if preset == "default":
        return config
    path = Path(out) / Path(config).name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"_base_ = [{str(ROOT / config)!r}]\n")
    return str(path)


@pytest.fixture(scope="module")
def driven(tmp_path_factory):
    """Every scenario, in order, through the current scripts (one temporary folder)."""
    tmp = tmp_path_factory.mktemp("le")
    large = tmp / "synthref_large"
    large.mkdir()
    (large / "synthref_meta.json").write_text("{}")
    out = {}
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    try:
        for name, (script, argv) in SCENARIOS.SCENARIOS.items():
            bench = load_script(ROOT / "benchmarks" / f"{SCRIPTS[script]}.py")
            launches = []

            def launch(cmd, log, threads=None, cwd=None, launches=launches):
                launches.append((cmd, log, threads))
                output = SCENARIOS.simulate(cmd, log)
                return dict(wall_s=2.0, peak_rss_mib=100.0, output=output)

            mp.setattr(bench.runner, "launch", launch)
            if script == "semires":
                mp.setattr(bench, "proposal_quality", SCENARIOS.fake_proposal_quality)
                mp.setattr(bench.runner, "inference_speed", lambda *a, **k: 55.0)
                mp.setitem(bench.DATA_ROOTS, "large", str(large))
                mp.setattr(bench, "rebased_config", fast_rebased_config)
            else:
                mp.setattr(bench, "supervision", SCENARIOS.fake_supervision)
                mp.setattr(bench.runner, "inference_speed", lambda *a, **k: 77.0)
                mp.setattr(bench, "peak_rss_mb", lambda: 123.0)
            out[name] = SCENARIOS.drive(bench.main, argv, str(tmp), launches)
    finally:
        mp.undo()
    return out


@pytest.mark.parametrize("scenario", list(SCENARIOS.SCENARIOS))
def test_launches_tables_and_results_are_unchanged(driven, scenario):
    assert set(FROZEN) == set(SCENARIOS.SCENARIOS)
    new, old = driven[scenario], FROZEN[scenario]
    assert new["launches"] == old["launches"]
    assert new["stdout"] == old["stdout"]
    assert new["files"] == old["files"]
