"""Mask generators: tiny random SAM (segment-anything), SAM and SAM 2 (transformers)."""

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from risseg.foundation import (
    ColourRegionGenerator,
    HFSam2Generator,
    HFSamGenerator,
    MaskGenerator,
    SegmentAnythingGenerator,
    best_of_multimask,
)
from risseg.foundation import sam_segment_anything as sa
from risseg.registry import FOUNDATION_MODELS
from risseg.testing.tiny_sam import tiny_hf_sam, tiny_hf_sam2, tiny_segment_anything

H, W = 24, 32
# Keep every mask a random model makes, from few grid points, so the tests are fast.
SA_LOOSE = dict(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)
HF_LOOSE = dict(points_per_crop=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)


def _image(seed=0):
    return np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)


def _hf(cls_name, tiny):
    model, processor = tiny()
    return FOUNDATION_MODELS.build(
        dict(type=cls_name, model=model, processor=processor, amg_cfg=HF_LOOSE)
    )


BUILDERS = {
    "SegmentAnythingGenerator": lambda: FOUNDATION_MODELS.build(
        dict(type="SegmentAnythingGenerator", sam=tiny_segment_anything(), amg_cfg=SA_LOOSE)
    ),
    "HFSamGenerator": lambda: _hf("HFSamGenerator", tiny_hf_sam),
    "HFSam2Generator": lambda: _hf("HFSam2Generator", tiny_hf_sam2),
}
BOXES = torch.tensor([[2.0, 2.0, 12.0, 10.0], [5.0, 4.0, 30.0, 20.0], [0.0, 0.0, 31.0, 23.0]])
POINTS = torch.tensor(
    [[[4.0, 4.0], [8.0, 6.0]], [[12.0, 8.0], [1.0, 1.0]], [[20.0, 15.0], [3.0, 20.0]]]
)
LABELS = torch.tensor([[1, 1], [1, 0], [1, 1]])


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def generator(request):
    return BUILDERS[request.param]()


def test_generate_masks_and_scores(generator):
    masks, scores = generator.generate(_image())
    assert masks.dtype == torch.bool and masks.shape[1:] == (H, W) and len(masks) >= 1
    assert scores.shape == (len(masks),)
    assert torch.all(scores[:-1] >= scores[1:])  # best first


@pytest.mark.parametrize("multimask", [True, False])
def test_predict_shapes(generator, multimask):
    m = 3 if multimask else 1
    for prompts in (
        dict(boxes=BOXES),
        dict(points=POINTS, point_labels=LABELS),
        dict(boxes=BOXES, points=POINTS, point_labels=LABELS),
    ):
        masks, scores = generator.predict(_image(), multimask=multimask, **prompts)
        assert masks.dtype == torch.bool and masks.shape == (3, m, H, W)
        assert scores.shape == (3, m) and scores.dtype == torch.float32
    masks, scores = generator.predict(_image(), boxes=torch.zeros(0, 4), multimask=multimask)
    assert masks.shape == (0, m, H, W) and scores.shape == (0, m)


def test_prompts_in_one_call_match_one_at_a_time(generator):
    masks, scores = generator.predict(_image(), boxes=BOXES, points=POINTS, point_labels=LABELS)
    for k in range(len(BOXES)):
        mk, sk = generator.predict(
            _image(),
            boxes=BOXES[k : k + 1],
            points=POINTS[k : k + 1],
            point_labels=LABELS[k : k + 1],
        )
        torch.testing.assert_close(sk[0], scores[k], atol=1e-5, rtol=1e-5)
        assert (mk[0] != masks[k]).float().mean() < 0.01  # only float ties at the threshold


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_deterministic(name):
    outs = [BUILDERS[name]().predict(_image(), boxes=BOXES) for _ in range(2)]
    assert torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1])


def test_prompts_reach_the_model(generator):
    a = generator.predict(_image(), boxes=BOXES[:1])[1]
    b = generator.predict(_image(), boxes=BOXES[2:])[1]
    assert not torch.equal(a, b)


def test_bad_prompts_and_images_are_refused(generator):
    with pytest.raises(ValueError, match="boxes must be"):
        generator.predict(_image(), boxes=torch.zeros(2, 3))
    with pytest.raises(ValueError, match="different K"):
        generator.predict(_image(), boxes=BOXES, points=POINTS[:1])
    with pytest.raises(ValueError, match="boxes"):
        generator.predict(_image())
    with pytest.raises(ValueError, match="uint8"):
        generator.generate(_image().astype(np.float32))


def test_best_of_multimask():
    masks = torch.zeros(2, 3, 4, 4, dtype=torch.bool)
    masks[0, 1, 0, 0] = masks[1, 2, 1, 1] = True
    best, score = best_of_multimask(masks, torch.tensor([[0.1, 0.9, 0.2], [0.3, 0.1, 0.5]]))
    assert best[0, 0, 0] and best[1, 1, 1] and best.sum() == 2
    assert torch.equal(score, torch.tensor([0.9, 0.5]))
    empty, _ = best_of_multimask(masks[:0], torch.zeros(0, 3))
    assert empty.shape == (0, 4, 4)


def test_colour_regions_are_automatic_only():
    gen = FOUNDATION_MODELS.build(dict(type="ColourRegionGenerator"))
    assert isinstance(gen, MaskGenerator) and not gen.promptable
    with pytest.raises(NotImplementedError, match="ColourRegionGenerator"):
        gen.predict(_image(), boxes=BOXES)
    img = np.full((H, W, 3), 120, np.uint8)
    img[4:16, 4:20] = (220, 40, 40)
    masks, scores = ColourRegionGenerator().generate(img)
    assert masks.shape[1:] == (H, W) and len(scores) == len(masks) >= 1


# --- weights from local paths -------------------------------------------------------------


def test_segment_anything_loads_a_local_checkpoint(tmp_path, monkeypatch):
    built = []

    def build_tiny(checkpoint=None):
        built.append(checkpoint)
        return tiny_segment_anything(seed=1)  # other weights, replaced by the file's

    monkeypatch.setitem(sa.sam_model_registry, "tiny", build_tiny)
    reference = tiny_segment_anything(seed=0)
    torch.save({"model": reference.state_dict()}, tmp_path / "sam.pth")
    gen = SegmentAnythingGenerator(checkpoint=str(tmp_path / "sam.pth"), model_type="tiny")
    assert built == [None]  # segment-anything's own torch.load is not used
    for (k, a), b in zip(
        gen.sam.state_dict().items(), reference.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), k
    assert not gen.sam.training


def test_segment_anything_refuses_missing_remote_and_unsafe_files(tmp_path, monkeypatch):
    monkeypatch.setitem(sa.sam_model_registry, "tiny", lambda checkpoint=None: None)
    missing = tmp_path / "sam_vit_h_4b8939.pth"
    with pytest.raises(FileNotFoundError, match="sam_vit_h_4b8939.pth.*segment-anything"):
        SegmentAnythingGenerator(checkpoint=str(missing), model_type="tiny")
    with pytest.raises(ValueError, match="not a local path"):
        SegmentAnythingGenerator(checkpoint="https://example.com/sam.pth", model_type="tiny")
    with pytest.raises(ValueError, match="needs `sam` or a local `checkpoint`"):
        SegmentAnythingGenerator()
    with pytest.raises(KeyError, match="vit_x"):
        SegmentAnythingGenerator(checkpoint=str(missing), model_type="vit_x")
    marker = Path(tmp_path / "payload_ran")

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    with open(tmp_path / "evil.pth", "wb") as f:
        pickle.dump({"w": Payload()}, f)
    with pytest.raises(pickle.UnpicklingError):
        SegmentAnythingGenerator(checkpoint=str(tmp_path / "evil.pth"), model_type="tiny")
    assert not marker.exists()


@pytest.mark.parametrize(
    "cls,tiny", [(HFSamGenerator, tiny_hf_sam), (HFSam2Generator, tiny_hf_sam2)]
)
def test_hf_generators_load_a_local_folder(tmp_path, cls, tiny):
    model, processor = tiny()
    model.save_pretrained(tmp_path / "m")
    processor.save_pretrained(tmp_path / "m")
    loaded = cls(path=str(tmp_path / "m"))
    direct = cls(model=model, processor=processor)
    a, b = loaded.predict(_image(), boxes=BOXES), direct.predict(_image(), boxes=BOXES)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(FileNotFoundError, match=f"{tmp_path / 'nope'}.*Hugging Face"):
        cls(path=str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="not a local path"):
        cls(path="hf://facebook/sam-vit-huge")
    with pytest.raises(ValueError, match="needs `model` and `processor`"):
        cls(model=model)
