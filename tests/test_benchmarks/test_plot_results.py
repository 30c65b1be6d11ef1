"""benchmarks/plot_results.py: records found by path, mean / sd over seeds, PNG written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DOCS_JSON = Path(__file__).resolve().parents[2] / "docs" / "benchmarks"


def _write(tmp_path: Path) -> Path:
    data = {
        "runs": {
            "full": {"mIoU": 40.0, "oIoU": 35.0},
            "one_pct": {
                "seed0": {"mIoU": 20.0, "oIoU": 18.0},
                "seed1": {"mIoU": 24.0, "oIoU": 22.0},
            },
            "ten_pct": {"mIoU": 30.0, "oIoU": 28.0},
            "broken": {"mIoU": 1.0},
        }
    }
    (tmp_path / "bench.json").write_text(json.dumps(data))
    return tmp_path


def test_load_record_and_summary(tmp_path, load_benchmark):
    plot = load_benchmark("plot_results")
    json_dir = _write(tmp_path)
    assert plot.load_record(json_dir, "bench.json:runs/full") == (40.0, 35.0)
    stats = plot.summarise(
        json_dir, ["bench.json:runs/one_pct/seed0", "bench.json:runs/one_pct/seed1"]
    )
    assert stats["mIoU"][0] == pytest.approx(22.0)
    assert stats["mIoU"][1] == pytest.approx(2.0**1.5)  # sample sd of 20 and 24
    assert stats["oIoU"][0] == pytest.approx(20.0)
    assert plot.summarise(json_dir, ["bench.json:runs/full"])["oIoU"] == (35.0, 0.0)


def test_bad_paths_name_file_and_key(tmp_path, load_benchmark):
    plot = load_benchmark("plot_results")
    json_dir = _write(tmp_path)
    with pytest.raises(KeyError, match=r"bench\.json.*'missing'"):
        plot.load_record(json_dir, "bench.json:runs/missing")
    with pytest.raises(KeyError, match=r"bench\.json.*runs/broken"):
        plot.load_record(json_dir, "bench.json:runs/broken")
    with pytest.raises(ValueError, match="unknown method"):
        plot.write_plots(json_dir, tmp_path / "out", ["nope"])


def test_plot_figure_writes_png(tmp_path, load_benchmark):
    import matplotlib.image

    plot = load_benchmark("plot_results")
    json_dir = _write(tmp_path)
    figure = plot.Figure(
        title="toy",
        protocol="val",
        curves=[
            plot.Curve(
                "supervised",
                {
                    1: ["bench.json:runs/one_pct/seed0", "bench.json:runs/one_pct/seed1"],
                    10: ["bench.json:runs/ten_pct"],
                },
            )
        ],
        reference_label="100 %",
        reference=["bench.json:runs/full"],
    )
    out = plot.plot_figure(figure, json_dir, tmp_path / "img" / "label_efficiency_toy.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(out).shape[:2]
    assert width > height > 300


@pytest.mark.parametrize("method", ["semires", "partial_res"])
def test_committed_json_holds_every_plotted_record(method, load_benchmark):
    plot = load_benchmark("plot_results")
    figure = plot.FIGURES[method]()
    paths = figure.reference + [p for c in figure.curves for ps in c.points.values() for p in ps]
    for path in paths:
        miou, oiou = plot.load_record(DOCS_JSON, path)
        assert 0.0 < miou < 100.0 and 0.0 < oiou < 100.0
