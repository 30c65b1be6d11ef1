"""The model speed benchmark: checkpoint paths dropped, sizes read from the config, figures."""

import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]
REFCOCO = ROOT / "configs" / "lavt" / "lavt_swin-b-bert_4xb8-40e_refcoco.py"
SEQTR_REFCOCO = ROOT / "configs" / "seqtr" / "segm_refcoco.py"
SEMIRES_REFCOCO = (
    ROOT / "configs" / "semires" / "semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-cpi.py"
)


def test_missing_checkpoints_are_dropped_and_bert_gets_the_base_architecture(
    tmp_path, load_benchmark
):
    bench = load_benchmark("model_speed")
    model = Config.fromfile(str(REFCOCO)).model.to_dict()
    present = tmp_path / "swin.pth"
    present.write_bytes(b"")
    model["backbone"]["pretrained"] = str(present)
    missing = str(tmp_path / "bert-base-uncased")
    model["text_encoder"]["pretrained"] = missing
    dropped = bench.drop_missing_checkpoints(model)
    assert dropped == [missing]
    assert model["backbone"]["pretrained"] == str(present)  # an existing path is kept
    assert model["text_encoder"] == dict(type="BertTextEncoder", pretrained=None, config={})


def test_sizes_come_from_the_training_pipeline(load_benchmark):
    bench = load_benchmark("model_speed")
    cfg = Config.fromfile(str(REFCOCO))
    assert bench.train_size(cfg) == (480, 480)
    assert bench.text_length(cfg) == 20
    seqtr = Config.fromfile(str(SEQTR_REFCOCO))
    assert bench.train_size(seqtr) == (640, 640)  # LargeScaleJitter's out_max_size
    assert bench.text_length(seqtr) == 15
    cfg.train_dataloader.dataset.pipeline = [dict(type="LoadImage")]
    with pytest.raises(ValueError, match="no Resize or LargeScaleJitter"):
        bench.train_size(cfg)


def test_synthetic_batch_boxes_match_the_masks(load_benchmark):
    bench = load_benchmark("model_speed")
    batch = bench.synthetic_batch(3, (64, 64), length=8, seed=0)
    assert [tuple(img.shape) for img in batch["inputs"]] == [(3, 64, 64)] * 3
    for sample in batch["data_samples"]:
        mask = sample.gt_mask.data[0]
        x1, y1, x2, y2 = sample.gt_bbox.long().tolist()
        assert mask[y1:y2, x1:x2].all() and mask.sum() == (x2 - x1) * (y2 - y1)
    with pytest.raises(ValueError, match="square"):
        bench.synthetic_batch(1, (64, 32), length=8, seed=0)


@pytest.mark.parametrize(
    "config", ["lavt/lavt_tiny_synthref.py", "seqtr/segm_synthref.py"], ids=["lavt", "seqtr"]
)
def test_measure_runs_the_tiny_configs(config, load_benchmark):
    bench = load_benchmark("model_speed")
    result = bench.measure(str(ROOT / "configs" / config), batch=2, iters=1, warmup=1)
    assert result["size"] == [128, 128] and result["text_length"] == 16
    assert result["dropped_checkpoints"] == []
    for key in ("train_img_per_s", "test_img_per_s", "train_peak_mib", "params_m"):
        assert math.isfinite(result[key]) and result[key] > 0


def test_semires_config_layout_and_its_burn_in_checkpoint(load_benchmark):
    bench = load_benchmark("model_speed")
    cfg = Config.fromfile(str(SEMIRES_REFCOCO))
    assert bench.train_size(cfg) == (480, 480)  # from the labeled dataset of the ConcatDataset
    assert bench.semi_labeled(cfg) == 3 and cfg.train_dataloader.batch_size == 6
    assert bench.teacher_keep_rate(cfg) == 0.9996
    assert bench.semi_labeled(Config.fromfile(str(REFCOCO))) is None
    assert bench.teacher_keep_rate(Config.fromfile(str(REFCOCO))) is None
    model = cfg.model.to_dict()
    dropped = bench.drop_missing_checkpoints(model)
    assert model["burn_in_checkpoint"] is None
    assert cfg.model.burn_in_checkpoint in dropped


def test_semi_batch_has_unlabeled_samples_with_proposals(load_benchmark):
    bench = load_benchmark("model_speed")
    batch = bench.synthetic_batch(4, (64, 64), length=8, seed=0, num_labeled=1, num_proposals=5)
    samples = batch["data_samples"]
    assert [s.metainfo.get("supervision") for s in samples] == ["mask", "none", "none", "none"]
    assert "proposals" not in samples[0]
    for s in samples[1:]:
        props = s.proposals.data
        assert props.shape == (5, 64, 64) and props.dtype == torch.bool
        assert torch.equal(props[0], s.gt_mask.data[0]) and props[1:].flatten(1).any(1).all()
        assert s.all_text_ids.shape == s.all_text_mask.shape == (3, 8)  # default 3 sentences
        assert torch.equal(s.all_text_ids[0], s.text_ids)
    one = bench.synthetic_batch(2, (64, 64), length=8, seed=0, num_labeled=1, sentences_per_ref=1)[
        "data_samples"
    ][1]
    assert one.all_text_ids.shape == (1, 8)


def test_semires_measure_reports_the_layout_and_rejects_an_all_labeled_batch(load_benchmark):
    bench = load_benchmark("model_speed")
    config = str(ROOT / "configs" / "semires" / "semires_tiny_synthref-1pct-cpi.py")
    result = bench.measure(config, batch=4, iters=1, warmup=1, num_labeled=2, num_proposals=4)
    assert result["labeled_per_batch"] == 2 and result["proposals_per_unlabeled"] == 4
    assert result["teacher_ema"] is True
    assert math.isfinite(result["train_img_per_s"]) and result["train_img_per_s"] > 0
    with pytest.raises(ValueError, match="labeled and unlabeled"):
        bench.measure(config, batch=2, iters=1, warmup=1, num_labeled=2)
    every = bench.measure(
        config,
        batch=4,
        iters=1,
        warmup=1,
        num_labeled=2,
        num_proposals=4,
        sentences_per_ref=2,
        cfg_options={"model.teacher_all_sentences": True},
    )
    assert every["cfg_options"] == {"model.teacher_all_sentences": True}
    assert math.isfinite(every["train_img_per_s"]) and every["train_img_per_s"] > 0
