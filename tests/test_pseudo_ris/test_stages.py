"""The Pseudo-RIS stages resume after a kill, and the writer's dataset reads unchanged."""

import numpy as np
import pytest
import torch
from PIL import Image

from risseg.apis import generate_proposals
from risseg.datasets import ReferDataset
from risseg.foundation import ColourRegionGenerator, OpenCLIPScorer, OpenCoCaCaptioner
from risseg.labelers import InstanceFilteredMaskLabeler
from risseg.pseudo_ris import CaptionCandidates, DistinctivenessScorer, write_refer
from risseg.pseudo_ris.stages import caption_stage, run_stage, score_stage
from risseg.structures import RISDataSample
from risseg.testing.tiny_open_clip import register_tiny_open_clip

IDS = (3, 5, 8)


class _Images:
    """Three image files with two or one coloured blocks on grey."""

    def __init__(self, root):
        self.paths = {}
        for k, image_id in enumerate(IDS):
            img = np.full((32, 40, 3), 128, np.uint8)
            img[4:14, 4:16] = (220, 30, 30)
            if k != 1:
                img[18:28, 20:36] = (30, 30, 220)
            path = root / f"img_{image_id}.png"
            Image.fromarray(img).save(path)
            self.paths[image_id] = (str(path), img)

    def __len__(self):
        return len(IDS)

    def get_data_info(self, i):
        return dict(image_id=IDS[i])

    def __getitem__(self, i):
        path, img = self.paths[IDS[i]]
        meta = dict(image_id=IDS[i], img_path=path, img_shape=(32, 40), ori_shape=(32, 40))
        return dict(
            inputs=torch.from_numpy(img).permute(2, 0, 1), data_samples=RISDataSample(metainfo=meta)
        )


class _Killed(Exception):
    pass


def killing(work, after):
    calls = []

    def wrapped(*args):
        if len(calls) == after:
            raise _Killed
        calls.append(args[0])
        return work(*args)

    return wrapped, calls


def fake_candidates(image, masks, seed=0):
    return [[f"the red block {i} {seed % 7}", "a blue block", ""] for i in range(len(masks))]


class _Parser:
    def head_noun(self, text):
        return text.split()[-1]


def labeler():
    return InstanceFilteredMaskLabeler(
        ColourRegionGenerator(), ColourRegionGenerator(min_area=60), score_thr=-1e9
    )


def test_every_stage_resumes_after_a_kill_and_the_dataset_reads(tmp_path):
    data = _Images(tmp_path)
    masks, caps, scores = tmp_path / "masks", tmp_path / "caps", tmp_path / "scores"
    generate_proposals(data, labeler(), masks, progress=False)
    assert sorted(p.name for p in masks.glob("*.json")) == [
        "3.json",
        "5.json",
        "8.json",
        "index.json",
    ]

    work, calls = killing(caption_stage(fake_candidates), after=1)
    with pytest.raises(_Killed):
        run_stage("captions", masks, caps, work, progress=False)
    assert sorted(p.name for p in caps.iterdir()) == ["3.json"]  # nothing half-written
    counts = run_stage("captions", masks, caps, caption_stage(fake_candidates), progress=False)
    assert counts == dict(done=2, skipped=1, empty=0, total=3)

    register_tiny_open_clip()
    scorer = DistinctivenessScorer(OpenCLIPScorer("risseg-tiny-clip-rn", None), _Parser())
    work, calls = killing(score_stage(scorer, caps), after=2)
    with pytest.raises(_Killed):
        run_stage("scores", masks, scores, work, progress=False)
    work, calls = killing(score_stage(scorer, caps), after=10)
    assert run_stage("scores", masks, scores, work, progress=False)["skipped"] == 2
    assert calls == [8]

    out = tmp_path / "refer"
    counts = write_refer(masks, caps, out, tmp_path, score_dir=scores, rule="none")
    assert counts == dict(images=3, refs=5, sentences=10)  # empty captions dropped
    ds = ReferDataset(
        data_root=str(out),
        dataset="",
        split_by="pseudo",
        split="train",
        img_prefix="images",
        pipeline=[],
    )
    assert len(ds) == 5
    entry = ds.get_data_info(0)
    assert entry["texts"][1] == "a blue block" and entry["img_path"].endswith("img_3.png")
    assert np.asarray(Image.open(entry["img_path"])).shape == (32, 40, 3)
    one_mask = [ds.get_data_info(i) for i in range(5) if ds.get_data_info(i)["image_id"] == 5]
    assert len(one_mask) == 1
    filtered = write_refer(masks, caps, tmp_path / "f", tmp_path, score_dir=scores)
    assert filtered["sentences"] <= counts["sentences"]


def test_caption_candidates_with_a_tiny_coca():
    register_tiny_open_clip()
    coca = OpenCoCaCaptioner("risseg-tiny-coca", None)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # fixed finite weights: some random tiny CoCas give inf logits
        for param in coca.parameters():
            param.copy_(torch.randn(param.shape, generator=gen) * 0.3)
    kw = dict(top_k=(5,), top_p=(0.5,), num_beams=2, max_len=5, min_len=2)
    img = np.full((24, 24, 3), 100, np.uint8)
    masks = np.zeros((2, 24, 24), bool)
    masks[0, 2:10, 2:10] = masks[1, 12:20, 12:22] = True
    cands = CaptionCandidates(coca, **kw)
    a, b = cands(img, masks, seed=1), cands(img, masks, seed=1)
    assert a == b and len(a) == 2 and all(len(c) == 4 * 3 for c in a)
    assert cands.processor is not None
    assert CaptionCandidates(coca, distinctive=False, **kw).processor is None
