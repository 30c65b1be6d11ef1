"""PRMSLabeler: the contract, the map choice on a constructed case, resume after a kill."""

from __future__ import annotations

import json

import pytest
import torch
from mmengine.registry import DefaultScope
from torch import nn
from torchvision import transforms

from risseg.apis.pseudo_labels import generate_pseudo_masks
from risseg.datasets import SynthRefDataset
from risseg.labelers import PRMSLabeler, select_map
from risseg.models.data_preprocessor import RISDataPreprocessor
from risseg.registry import MODELS
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract
from risseg.testing.tris import tiny_localizer_cfg, tiny_scorer_cfg


def _tiny_prms(**kwargs) -> PRMSLabeler:
    localizer = MODELS.build(tiny_localizer_cfg(fg_loss=False))
    return PRMSLabeler(localizer, tiny_scorer_cfg(), max_length=8, input_size=(64, 64), **kwargs)


class TestPRMSLabeler(PseudoLabelerContract):
    cfg = dict(module=_tiny_prms)


def test_select_map_sums_the_cosines_over_all_sentences():
    texts = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    # image 0 matches sentence 0 alone; image 1 matches sentences 1 and 2 together
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.8, -0.6]])
    idx, scores = select_map(images, texts)
    assert idx == 1 and torch.allclose(scores, torch.tensor([1.6, 1.8, 0.2]))


class HalfLocalizer(nn.Module):
    """A localiser whose map is the left or right half of the image, after its sentence."""

    def __init__(self) -> None:
        super().__init__()
        self.data_preprocessor = RISDataPreprocessor()

    def response_maps(self, inputs, samples):
        maps = torch.zeros(len(samples), 1, 4, 4)
        for i, s in enumerate(samples):
            side = slice(0, 2) if "left" in s.metainfo["text"] else slice(2, 4)
            maps[i, 0, :, side] = 3.0
        return maps


class SideScorer(nn.Module):
    """Images -> (energy of the left half, of the right half); 'left'/'right' texts -> axes."""

    def __init__(self) -> None:
        super().__init__()
        self.transform = transforms.Compose(
            [transforms.CenterCrop(8), transforms.Normalize((0.0,) * 3, (1.0,) * 3)]
        )

    def encode_images(self, images):
        half = images.shape[-1] // 2
        feats = torch.stack(
            [images[..., :half].abs().sum((1, 2, 3)), images[..., half:].abs().sum((1, 2, 3))],
            dim=1,
        )
        return nn.functional.normalize(feats, dim=-1)

    def encode_texts(self, texts):
        return torch.tensor([[1.0, 0.0] if "left" in t else [0.0, 1.0] for t in texts])


def test_prms_keeps_the_map_that_matches_every_sentence():
    labeler = PRMSLabeler(HalfLocalizer(), SideScorer(), input_size=(16, 16), mask_thr=0.5)
    image = torch.full((1, 3, 12, 20), 200, dtype=torch.uint8)
    s = RISDataSample(
        metainfo=dict(
            texts=["the right one", "left", "the left cube"], img_shape=(12, 20), ref_id=7
        )
    )
    out = labeler(image, [s])[0]
    assert out.metainfo["prms_index"] == 1  # the first 'left' map: 2 of 3 sentences agree
    prob = out.response_map.data[0]
    assert prob.shape == (12, 20) and prob.max() <= 1
    assert prob[:, :8].min() > 0.9 and prob[:, 12:].max() < 0.1
    assert torch.equal(out.pseudo_mask.data[0], prob > 0.5)
    assert out.metainfo["pseudo_score"] == pytest.approx(
        2 / 3, abs=0.03
    )  # the up-sampled map leaks
    with pytest.raises(ValueError, match="ref_id=8"):
        labeler(image, [RISDataSample(metainfo=dict(texts=[" "], ref_id=8))])


class Killed(RuntimeError):
    pass


class DiesAfter(nn.Module):
    """Wraps a labeler and raises after ``n`` calls (a killed job)."""

    output = "pseudo_mask"

    def __init__(self, inner, n: int) -> None:
        super().__init__()
        self.inner, self.n = inner, n

    def forward(self, inputs, samples):
        if self.n == 0:
            raise Killed
        self.n -= 1
        return self.inner(inputs, samples)


@pytest.mark.slow
def test_prms_generation_resumes_after_a_kill(tmp_path):
    pipeline = [
        dict(type="LoadImage"),
        dict(type="LoadReferAnnotations"),
        dict(
            type="PackRISInputs",
            meta_keys=("ref_id", "image_id", "texts", "img_shape", "ori_shape", "img_path"),
        ),
    ]
    with DefaultScope.overwrite_default_scope("risseg"):
        ds = SynthRefDataset(
            str(tmp_path / "synthref"),
            preset="tiny",
            seed=0,
            split="val",
            pipeline=pipeline,
            indices=6,
        )
    torch.manual_seed(0)
    labeler = _tiny_prms()
    out = tmp_path / "prms.json"
    with pytest.raises(Killed):
        generate_pseudo_masks(ds, DiesAfter(labeler, 3), out, progress=False)
    assert not out.exists()
    counts = generate_pseudo_masks(ds, labeler, out, progress=False)
    assert counts["skipped"] == 3 and counts["done"] == counts["total"] - 3
    assert out.exists()
    again = tmp_path / "prms_once.json"
    generate_pseudo_masks(ds, labeler, again, progress=False)
    assert json.loads(out.read_text()) == json.loads(again.read_text())
