"""risseg.apis.inference: segment(image, text) equals the evaluation-time prediction."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from PIL import Image

from risseg.apis import inference_pipeline, init_segmentor, segment
from risseg.registry import DATASETS
from risseg.testing import synthref_config


def _setup(tmp_path, config: str):
    cfg = synthref_config(config, str(tmp_path / "synthref"))
    cfg.test_dataloader.dataset.update(preset="tiny", indices=3)
    init_default_scope("risseg")
    dataset = DATASETS.build(cfg.test_dataloader.dataset)  # makes the data and vocabulary
    torch.manual_seed(0)
    model = init_segmentor(cfg)
    return cfg, model, dataset


@pytest.mark.parametrize(
    "config", ["configs/seqtr/segm_synthref.py", "configs/lavt/lavt_tiny_synthref.py"]
)
def test_segment_matches_the_test_pipeline(tmp_path, config):
    cfg, model, dataset = _setup(tmp_path, config)
    for i in range(len(dataset)):
        expected = model.test_step(pseudo_collate([dataset[i]]))[0].pred_mask.data[0].numpy()
        info = dataset.get_data_info(i)
        result = segment(model, info["img_path"], info["texts"][0])
        np.testing.assert_array_equal(result.mask, expected)
        image = np.asarray(Image.open(info["img_path"]).convert("RGB"))
        np.testing.assert_array_equal(segment(model, image, info["texts"][0]).mask, expected)
        assert result.mask.shape == image.shape[:2]
    sequence = "seqtr" in config
    assert (result.points is not None) == sequence and (result.box is not None) == sequence
    if sequence:
        assert result.points.shape[1] == 2 and result.box.shape == (4,)


def test_pipeline_drops_annotation_transforms(tmp_path):
    cfg, _, _ = _setup(tmp_path, "configs/seqtr/segm_synthref.py")
    names = [type(t).__name__ for t in inference_pipeline(cfg).transforms]
    assert names[0] == "LoadImage" and "LoadReferAnnotations" not in names
    assert "SelectSentence" not in names and names[-1] == "PackRISInputs"
    assert isinstance(inference_pipeline(cfg), Compose)


def test_checkpoint_round_trip_and_bad_input(tmp_path):
    cfg, model, dataset = _setup(tmp_path, "configs/seqtr/segm_synthref.py")
    ckpt = tmp_path / "model.pth"
    torch.save({"state_dict": model.state_dict()}, ckpt)
    loaded = init_segmentor(cfg, str(ckpt))
    info = dataset.get_data_info(0)
    text = info["texts"][0]
    np.testing.assert_array_equal(
        segment(loaded, info["img_path"], text).mask, segment(model, info["img_path"], text).mask
    )
    torch.save({"state_dict": {"backbone.nope": torch.zeros(1)}}, tmp_path / "bad.pth")
    with pytest.raises(KeyError, match="bad.pth"):
        init_segmentor(cfg, str(tmp_path / "bad.pth"))
    with pytest.raises(FileNotFoundError, match="missing.png"):
        segment(model, str(tmp_path / "missing.png"), text)
    with pytest.raises(ValueError, match="empty|Empty"):
        segment(model, info["img_path"], "   ")
    with pytest.raises(ValueError, match="uint8"):
        segment(model, np.zeros((8, 8), np.uint8), text)


@pytest.mark.parametrize(
    "config", ["configs/seqtr/segm_synthref.py", "configs/lavt/lavt_tiny_synthref.py"]
)
def test_batched_segment_equals_one_pair_at_a_time(tmp_path, config):
    cfg, model, dataset = _setup(tmp_path, config)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    texts = [text for info in infos for text in info["texts"]]
    one_image = segment(model, infos[0]["img_path"], texts, batch_size=2)
    assert isinstance(one_image, list) and len(one_image) == len(texts)
    for text, result in zip(texts, one_image, strict=True):
        np.testing.assert_array_equal(result.mask, segment(model, infos[0]["img_path"], text).mask)
    # pairs: a file and an array of other images, their own sentences
    images = [
        infos[1]["img_path"],
        np.asarray(Image.open(infos[2]["img_path"]).convert("RGB")),
        infos[0]["img_path"],
    ]
    sentences = [infos[1]["texts"][0], infos[2]["texts"][0], infos[0]["texts"][-1]]
    paired = segment(model, images, sentences, batch_size=3)
    for image, text, result in zip(images, sentences, paired, strict=True):
        np.testing.assert_array_equal(result.mask, segment(model, image, text).mask)


def test_batched_segment_refuses_bad_arguments(tmp_path):
    _, model, dataset = _setup(tmp_path, "configs/seqtr/segm_synthref.py")
    path = dataset.get_data_info(0)["img_path"]
    with pytest.raises(ValueError, match="2 images and 1 texts"):
        segment(model, [path, path], ["the star"])
    with pytest.raises(ValueError, match="batch_size"):
        segment(model, path, ["the star"], batch_size=0)
