"""LoadIRLabels: IR labels from two stored pseudo masks, in the input frame."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from risseg.datasets.transforms import LoadIRLabels
from risseg.structures import RISDataSample
from risseg.utils.masks import mask_to_rle


def _files(tmp_path, fg, outer, ref_id=3):
    (tmp_path / "fg.json").write_text(json.dumps({str(ref_id): mask_to_rle(fg)}))
    (tmp_path / "outer.json").write_text(json.dumps({str(ref_id): mask_to_rle(outer)}))
    return str(tmp_path / "fg.json"), str(tmp_path / "outer.json")


def _results(**meta):
    base = dict(ref_id=3, ori_shape=(2, 3), img_shape=(4, 6))
    base.update(meta)
    return dict(data_samples=RISDataSample(metainfo=base))


def test_labels_resized_flipped_and_padded(tmp_path):
    fg = np.array([[1, 0, 0], [0, 0, 0]], bool)
    outer = np.array([[1, 1, 0], [0, 0, 0]], bool)
    transform = LoadIRLabels(*_files(tmp_path, fg, outer))
    assert transform.labels(3, 2, 3).tolist() == [[1, 255, 0], [0, 0, 0]]
    out = transform(_results())["data_samples"].ir_label.data
    assert out.shape == (1, 4, 6) and out.dtype == torch.uint8
    assert out[0, :2, :2].eq(1).all() and out[0, :2, 2:4].eq(255).all() and out[0, 2:].eq(0).all()
    meta = dict(flip=True, pad_shape=(5, 8), img_offset=(2, 1))
    out = transform(_results(**meta))["data_samples"].ir_label.data[0]
    assert out[1:3, 6:8].eq(1).all()  # the top-left block, mirrored, at the offset
    assert out[0].eq(255).all() and out[:, :2].eq(255).all()  # padding is unsure


def test_missing_refs_and_files_are_named(tmp_path):
    fg, outer = _files(tmp_path, np.zeros((2, 3), bool), np.zeros((2, 3), bool))
    with pytest.raises(KeyError, match="ref 9 .*outer.json"):
        LoadIRLabels(fg, outer)(_results(ref_id=9))
    with pytest.raises(FileNotFoundError, match="nope.json"):
        LoadIRLabels(str(tmp_path / "nope.json"), outer)


def test_crf_without_pydensecrf_is_skipped_with_a_warning(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_crf(name, *args, **kwargs):
        if name.startswith("pydensecrf"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_crf)
    fg = np.array([[1, 0, 0], [0, 0, 0]], bool)
    files = _files(tmp_path, fg, fg)
    transform = LoadIRLabels(*files, crf=True)
    assert not transform.crf
    assert transform.labels(3, 2, 3).tolist() == [[1, 0, 0], [0, 0, 0]]
