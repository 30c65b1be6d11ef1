"""--data-root, --preset and path variables: one place moves every data path of a config."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from risseg.engine.run_config import add_run_args, load_run_config, move_paths

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"


def _load(config: str, *argv: str, loader: str = "train_dataloader"):
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    add_run_args(parser)
    return load_run_config(
        parser.parse_args([str(CONFIGS / config), "--threads", "1", *argv]), loader
    )


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, (list, tuple)):
        return [s for v in node for s in _strings(v)]
    return []


def _load_proposals(cfg) -> dict:
    return next(
        t for t in cfg.train_dataloader.dataset.datasets[1].pipeline if t["type"] == "LoadProposals"
    )


def test_move_paths_moves_whole_components_only():
    tree = {
        "a": "data/synthref",
        "b": ["data/synthref/vocab.json", "data/synthref_large/x"],
        "c": ("data/synthrefx", 3),
    }
    moved = move_paths(tree, "data/synthref/", "/d/s")
    assert moved == {
        "a": "/d/s",
        "b": ["/d/s/vocab.json", "data/synthref_large/x"],
        "c": ("data/synthrefx", 3),
    }


@pytest.mark.parametrize(
    "config",
    [
        "semires/semires_tiny_synthref-1pct-iom.py",
        "partial_res/partial-res_synthref-1pct-joint.py",
        "partial_res/partial-res_synthref-1pct-rpp.py",
        "seqtr/segm_synthref-5pct.py",
        "semires/synth_proposals_synthref.py",
        "partial_res/seqtr-det_synthref.py",
    ],
)
def test_data_root_moves_every_data_path(tmp_path, config):
    cfg = _load(config, "--data-root", str(tmp_path / "sr"))
    paths = _strings(cfg.to_dict())
    assert not [p for p in paths if "data/synthref" in p]
    assert str(tmp_path / "sr") in paths and cfg.data_root == str(tmp_path / "sr")


def test_proposal_dir_is_set_in_one_place(tmp_path):
    config = "semires/semires_tiny_synthref-1pct-cpi.py"
    cfg = _load(config, "--cfg-options", f"proposal_dir={tmp_path / 'props'}")
    assert _load_proposals(cfg)["proposal_dir"] == str(tmp_path / "props")
    cfg = _load(config, "--data-root", str(tmp_path / "sr"))
    assert _load_proposals(cfg)["proposal_dir"] == str(tmp_path / "sr" / "proposals")
    cfg = _load(
        "semires/semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-iom.py",
        "--cfg-options",
        "proposal_dir=/p/sam",
    )
    assert _load_proposals(cfg)["proposal_dir"] == "/p/sam"


def test_preset_sets_every_synthref_dataset_and_its_folder():
    cfg = _load("semires/semires_tiny_synthref-1pct-cpi.py", "--preset", "large")
    datasets = [
        *cfg.train_dataloader.dataset.datasets,
        cfg.val_dataloader.dataset,
        cfg.test_dataloader.dataset,
    ]
    assert {d.preset for d in datasets} == {"large"}
    assert {d.data_root for d in datasets} == {"data/synthref_large"}
    assert _load_proposals(cfg)["proposal_dir"] == "data/synthref_large/proposals"
    cfg = _load("seqtr/segm_synthref.py", "--preset", "tiny", "--data-root", "/x/tiny")
    assert cfg.train_dataloader.dataset.data_root == "/x/tiny"
    assert cfg.train_dataloader.dataset.preset == "tiny"


def test_preset_on_a_config_without_synthref_is_refused():
    with pytest.raises(KeyError, match="no SynthRefDataset"):
        _load("tiny/tiny_ris.py", "--preset", "tiny")


def test_rpp_pseudo_file_lives_in_the_data_root(tmp_path):
    cfg = _load("partial_res/partial-res_synthref-1pct-rpp.py", "--data-root", str(tmp_path))
    dataset = cfg.train_dataloader.dataset
    assert dataset.data_root == str(tmp_path) and not Path(dataset.pseudo_ann_file).is_absolute()
    assert ".." not in dataset.pseudo_ann_file


def test_test_tool_checks_the_checkpoint_strictly_unless_told():
    config = "partial_res/partial-res_synthref-1pct.py"
    assert _load(config).load_cfg.strict is False  # training starts from the box model
    assert _load(config, loader="test_dataloader").load_cfg.strict is True
    cfg = _load(config, "--cfg-options", "load_cfg.strict=False", loader="test_dataloader")
    assert cfg.load_cfg.strict is False
