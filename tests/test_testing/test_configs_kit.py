"""build_without_checkpoints: options merged, seeded weights, missing checkpoints reported."""

from pathlib import Path

import torch

from risseg.testing import build_without_checkpoints

ROOT = Path(__file__).resolve().parents[2]


def test_seeded_builds_match_and_options_apply(monkeypatch):
    monkeypatch.chdir(ROOT)
    cfg, a, dropped = build_without_checkpoints("configs/tiny/tiny_ris.py")
    _, b, _ = build_without_checkpoints("configs/tiny/tiny_ris.py")
    assert dropped == [] and cfg.model.type == type(a).__name__
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    cfg, c, _ = build_without_checkpoints(
        "configs/tiny/tiny_ris.py", dict(model=dict(head=dict(channels=4))), seed=1
    )

    def size(m):
        return sum(p.numel() for p in m.head.parameters())

    assert cfg.model.head.channels == 4 and size(c) < size(a)  # a narrower head was built


def test_missing_checkpoints_are_dropped_and_listed(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    missing = str(tmp_path / "absent.pth")
    options = dict(model=dict(backbone=dict(pretrained=missing)))
    cfg, model, dropped = build_without_checkpoints("configs/seqtr/segm_synthref.py", options)
    assert dropped == [missing]
    assert cfg.model.backbone.pretrained == missing  # the config itself keeps the path
