"""TextPromptedMaskLabeler: grounded boxes + box-prompted SAM, or SAM 3 directly."""

import numpy as np
import pytest
import torch

from risseg.foundation import HFSam3Generator, SegmentAnythingGenerator
from risseg.foundation.grounded_detector import Detections, GroundedDetector
from risseg.labelers import TextPromptedMaskLabeler
from risseg.testing import PseudoLabelerContract
from risseg.testing.tiny_sam import tiny_hf_sam3, tiny_segment_anything


class RedBoxDetector(GroundedDetector):
    """A stub detector: the box of the red pixels for phrase 0 (score 0.9), plus one box it
    could not assign to any phrase (index -1); nothing on an image without red."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def detect(self, image, phrases, box_threshold=0.35, text_threshold=0.25):
        self.calls.append((list(phrases), box_threshold, text_threshold))
        image = np.asarray(image)
        red = (image[..., 0] > 200) & (image[..., 1] < 40) & (image[..., 2] < 40)
        if not red.any():
            return Detections.empty()
        ys, xs = np.nonzero(red)
        box = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        return Detections(
            torch.tensor([box, [0, 0, 4, 4]], dtype=torch.float32),
            torch.tensor([0.9, 0.8]),
            torch.tensor([0, -1]),
        )


def two_stage(**kwargs):
    return TextPromptedMaskLabeler(
        detector=RedBoxDetector(),
        mask_generator=SegmentAnythingGenerator(sam=tiny_segment_anything()),
        **kwargs,
    )


def sam3(**kwargs):
    model, processor = tiny_hf_sam3()
    return TextPromptedMaskLabeler(
        text_mask_generator=HFSam3Generator(model, processor, score_thresh=0.0), **kwargs
    )


class TestTextPromptedMaskLabeler(PseudoLabelerContract):
    cfg = dict(module=two_stage)


class TestTextPromptedMaskLabelerSam3(PseudoLabelerContract):
    cfg = dict(module=sam3)


def _check_instances(sample, k):
    inst = sample.pseudo_instances.data
    scores = sample.metainfo["pseudo_instance_scores"]
    assert inst.dtype == torch.bool and inst.shape == (k, *sample.metainfo["img_shape"])
    assert len(scores) == k and scores == sorted(scores, reverse=True)
    assert torch.equal(sample.pseudo_mask.data, inst.any(0, keepdim=True))
    assert sample.metainfo["pseudo_score"] == (max(scores) if k else 0.0)


def test_two_stage_masks_each_assigned_box_with_its_best_candidate():
    labeler = two_stage(box_threshold=0.3, text_threshold=0.2)
    inputs, samples = TestTextPromptedMaskLabeler().make_batch()
    out = labeler(inputs, samples)
    for s in out:
        _check_instances(s, 1)  # the unassigned box is dropped
        assert s.metainfo["pseudo_instance_scores"] == [pytest.approx(0.9)]
    assert labeler.detector.calls[0] == (["the red block"], 0.3, 0.2)
    image = inputs[0].permute(1, 2, 0).numpy()
    masks, scores = labeler.mask_generator.predict(image, boxes=samples[0].gt_bbox[None])
    assert torch.equal(out[0].pseudo_instances.data[0], masks[0, scores[0].argmax()])


def test_no_detection_gives_no_instance():
    inputs, samples = TestTextPromptedMaskLabeler().make_batch("constant")
    for s in two_stage(multimask=False)(inputs, samples):
        _check_instances(s, 0)


def test_sam3_gives_every_instance_and_a_parser_picks_the_phrase():
    parsed = []

    def parser(text):
        parsed.append(text)
        return ["block", "red block"]

    inputs, samples = TestTextPromptedMaskLabelerSam3().make_batch()
    out = sam3(text_parser=parser, parser_method=None, max_instances=12)(inputs, samples)
    for s in out:
        _check_instances(s, 12)  # 2 phrases x 8 queries, capped
    assert parsed == ["the red block", "the red block"]
    gen = HFSam3Generator(*tiny_hf_sam3(), score_thresh=0.0)
    pairs = gen.segment(inputs[0].permute(1, 2, 0).numpy(), ["block", "red block"])
    best = torch.cat([p[1] for p in pairs]).sort(descending=True).values[:12]
    assert out[0].metainfo["pseudo_instance_scores"] == pytest.approx(best.tolist())


def test_configuration_errors_are_clear():
    with pytest.raises(ValueError, match="not both and not neither"):
        TextPromptedMaskLabeler()
    with pytest.raises(ValueError, match="not both"):
        TextPromptedMaskLabeler(detector=RedBoxDetector(), text_mask_generator=object())
    with pytest.raises(ValueError, match="mask_generator is required"):
        TextPromptedMaskLabeler(detector=RedBoxDetector())
    with pytest.raises(ValueError, match="ColourRegionGenerator takes no box prompts"):
        TextPromptedMaskLabeler(
            detector=RedBoxDetector(), mask_generator=dict(type="ColourRegionGenerator")
        )


def test_a_sample_without_text_is_named():
    inputs, samples = TestTextPromptedMaskLabeler().make_batch()
    samples[1].set_metainfo(dict(text=""))
    with pytest.raises(ValueError, match="sample 1 .image_id 1. has no `text`"):
        two_stage()(inputs, samples)


def test_a_parser_method_gives_the_phrase():
    class Parser:
        def head_noun(self, text):
            return "block"

    labeler = two_stage(text_parser=Parser())
    inputs, samples = TestTextPromptedMaskLabeler().make_batch()
    labeler(inputs, samples)
    assert labeler.detector.calls[0][0] == ["block"]


def test_spacy_parser_from_config():
    pytest.importorskip("risseg.foundation.text_parser")  # registers SpacyTextParser

    labeler = two_stage(text_parser=dict(type="SpacyTextParser"), parser_method="subject_nouns")
    assert labeler.phrases_of("the red block on the left") == ["block"]
