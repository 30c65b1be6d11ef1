"""The SAM stand-in: training on a tiny corpus, resuming, loading and evaluating."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from risseg.datasets.synthref import generate_synthref
from risseg.foundation.sam_segment_anything import (
    SAM_ARCH_KEYS,
    SegmentAnythingGenerator,
    build_sam_from_arch,
)
from risseg.registry import FOUNDATION_MODELS
from risseg.standins import sam as sam_part


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "synthref_tiny"
    generate_synthref(str(root), preset="tiny", seed=3, progress=False)
    return root


CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "semires"
REAL_AMG_CFG = dict(sam_part.AMG_CFG)  # before the tiny_model fixture replaces it
TINY_ARCH = dict(
    sam_part.ARCH,
    encoder_embed_dim=16,
    encoder_depth=1,
    encoder_num_heads=1,
    prompt_embed_dim=16,
    mask_in_chans=4,
    decoder_depth=1,
    decoder_mlp_dim=16,
    decoder_num_heads=1,
    iou_head_depth=1,
    iou_head_hidden_dim=8,
)


@pytest.fixture(scope="module", autouse=True)
def tiny_model():
    """A 1-block model and a 4 x 4 point grid keep the module to seconds."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sam_part, "ARCH", TINY_ARCH)
        mp.setattr(sam_part, "AMG_CFG", dict(sam_part.AMG_CFG, points_per_side=4))
        yield


@pytest.fixture(scope="module")
def trained(tiny_corpus, tmp_path_factory):
    """One epoch, then a second call with epochs=2 that resumes (its log lines are kept)."""
    out = tmp_path_factory.mktemp("standins") / "sam"
    sam_part.train_part(tiny_corpus, out, epochs=1, log=lambda s: None)
    first = json.loads((out / "done.json").read_text())
    lines: list[str] = []
    sam_part.train_part(tiny_corpus, out, epochs=2, log=lines.append)
    return out, first, lines


def test_train_writes_the_agreed_layout(trained):
    out, first, _ = trained
    assert first["epochs"] == 1
    done = json.loads((out / "done.json").read_text())
    assert done["epochs"] == 2 and done["cpu_seconds"] > 0
    assert json.loads((out / sam_part.CONFIG_FILE).read_text()) == TINY_ARCH
    assert (out / sam_part.WEIGHTS_FILE).is_file() and (out / "train_state.pt").is_file()


def test_second_call_resumes_after_the_finished_epoch(trained):
    _, _, lines = trained
    assert any("resuming after epoch 1/2" in line for line in lines)
    assert sum("epoch 2/2" in line for line in lines) == 1
    assert not any("epoch 1/2" in line and "loss" in line for line in lines)


def test_weights_load_through_the_generator_config(trained):
    out, _, _ = trained
    cfg = sam_part.generator_config(out)
    gen = FOUNDATION_MODELS.build(cfg)
    assert isinstance(gen, SegmentAnythingGenerator) and not gen.sam.training
    saved = load_file(str(out / sam_part.WEIGHTS_FILE))
    state = gen.sam.state_dict()
    assert saved.keys() == state.keys()
    for key, value in saved.items():
        assert torch.equal(state[key], value), key
    image = np.random.default_rng(0).integers(0, 255, (128, 128, 3), dtype=np.uint8)
    masks, scores = gen.predict(image, boxes=[[10, 10, 60, 50], [70, 70, 120, 110]])
    assert masks.shape == (2, 3, 128, 128) and scores.shape == (2, 3)
    masks, scores = gen.generate(image)
    assert masks.shape[1:] == (128, 128) and len(scores) == len(masks)


def test_evaluate_part_returns_the_metrics(trained, tiny_corpus):
    out, _, _ = trained
    result = sam_part.evaluate_part(out, tiny_corpus, "val")
    for key in ("box_mIoU", "box_mIoU_single", "point_mIoU", "amg_recall@0.5"):
        assert 0.0 <= result[key] <= 100.0, key
    assert result["objects"] > 0 and result["images"] > 0
    assert result["amg_proposals_per_image"] >= 0


def test_prompts_cover_every_object_and_one_background_point(tiny_corpus):
    data = sam_part.MaskCorpus(tiny_corpus)
    rng = np.random.default_rng(0)
    modes = set()
    for i in range(8):
        prompt = sam_part._image_prompts(data.labels[i], int(data.counts[i]), rng)
        count = int(data.counts[i])
        if prompt["boxes"] is not None:
            modes.add("box")
            assert prompt["boxes"].shape == (count, 4) and not prompt["background"].any()
            continue
        modes.add("point")
        assert prompt["points"].shape == (count + 1, 3, 2) and prompt["background"][-1]
        for k in range(count + 1):
            valid = prompt["labels"][k] == 1
            assert 1 <= valid.sum() <= 3
            x, y = prompt["points"][k, valid].astype(int).T
            assert (data.labels[i][y, x] == (0 if k == count else k + 1)).all()
    assert modes == {"box", "point"}


def test_custom_architecture_errors(tmp_path):
    with pytest.raises(KeyError, match="missing keys"):
        build_sam_from_arch({k: 1 for k in SAM_ARCH_KEYS[1:]})
    (tmp_path / "arch.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="arch.json.*JSON object"):
        SegmentAnythingGenerator(
            model_config=str(tmp_path / "arch.json"), checkpoint=str(tmp_path / "w.pth")
        )
    with pytest.raises(ValueError, match="needs a `checkpoint`"):
        SegmentAnythingGenerator(model_config=str(tmp_path / "arch.json"))
    (tmp_path / "arch.json").write_text(json.dumps(TINY_ARCH))
    with pytest.raises(FileNotFoundError, match="w.safetensors"):
        SegmentAnythingGenerator(
            model_config=str(tmp_path / "arch.json"), checkpoint=str(tmp_path / "w.safetensors")
        )


def test_configs_load_the_stand_in_as_evaluated():
    from mmengine.config import Config

    cfg = Config.fromfile(CONFIGS / "standin_proposals_synthref.py")
    generator = cfg.pseudo_labeler.mask_generator.to_dict()
    expected = dict(sam_part.generator_config("work_dirs/standins/sam"), amg_cfg=REAL_AMG_CFG)
    assert generator == expected
    # The override documented in standin_proposals_synthref.py points SemiRES at the folder.
    semi = Config.fromfile(CONFIGS / "semires_tiny_synthref-1pct-cpi.py")
    base = semi.to_dict()
    key = "train_dataloader.dataset.datasets.1.pipeline.6.proposal_dir"
    semi.merge_from_dict({key: "data/synthref/standin_proposals"})
    unlabeled = semi.train_dataloader.dataset.datasets[1].to_dict()
    assert unlabeled["pipeline"][-1] == dict(
        base["train_dataloader"]["dataset"]["datasets"][1]["pipeline"][-1],
        proposal_dir="data/synthref/standin_proposals",
    )
