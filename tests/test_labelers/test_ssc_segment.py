"""S+S+C Segment: the release's noun choice per ref, the 'all {}s' retry, and the resumable
instance-mask driver."""

import json

import numpy as np
import pytest
import torch

from risseg.apis.instance_masks import generate_instance_masks
from risseg.apis.pseudo_labels import generate_pseudo_labels
from risseg.foundation import SegmentAnythingGenerator
from risseg.foundation.grounded_detector import Detections, GroundedDetector
from risseg.foundation.text_parser import SpacyTextParser
from risseg.labelers import TextPromptedMaskLabeler
from risseg.testing import PseudoLabelerContract
from risseg.testing.tiny_sam import tiny_segment_anything
from risseg.utils.masks import rle_to_mask

SHAPES = ["circle", "ring", "ellipse", "square", "triangle", "diamond", "star"]


class WordEncoder:
    """encode_texts: one-hot of the last word's class, synonyms mapped by hand."""

    SYN = {"disc": "circle", "rhombus": "diamond", "block": "square", "box": "square"}

    def encode_texts(self, texts):
        out = torch.zeros(len(texts), len(SHAPES) + 1)
        for i, t in enumerate(texts):
            word = self.SYN.get(t.split()[-1], t.split()[-1])
            out[i, SHAPES.index(word) if word in SHAPES else len(SHAPES)] = 1.0
        return out


@pytest.fixture(scope="module")
def parser():
    return SpacyTextParser(text_encoder=WordEncoder(), class_names=SHAPES)


def test_subject_nouns_of_real_sentences(parser):
    assert parser.subject_nouns("the rhombus next to the disc") == ["rhombus"]
    assert parser.subject_nouns("man in a red shirt holding a dog") == ["man"]
    assert parser.subject_nouns("left zebra") == ["zebra"]


def test_a_scorer_config_is_built_as_the_text_encoder():
    from risseg.testing.tiny_open_clip import register_tiny_open_clip

    register_tiny_open_clip()
    p = SpacyTextParser(
        scorer=dict(type="OpenCLIPScorer", model_name="risseg-tiny-clip-rn", checkpoint=None),
        class_names=SHAPES,
    )
    assert p.project(["disc"])[0] in SHAPES
    with pytest.raises(ValueError, match="not both"):
        SpacyTextParser(text_encoder=WordEncoder(), scorer=WordEncoder())


def test_most_likely_noun_of_a_ref(parser):
    sentences = ["The rhombus", "the rhombus next to the disc.", "the big disc on the right"]
    assert parser.projected_nouns(sentences) == [["diamond"], ["diamond"], ["circle"]]
    assert parser.most_likely_noun(sentences) == "diamond"


class RedBoxDetector(GroundedDetector):
    """The box of the red pixels for phrase 0 (score 0.9); records its queries."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def detect(self, image, phrases, box_threshold=0.35, text_threshold=0.25):
        self.calls.append(list(phrases))
        red = (image[..., 0] > 200) & (image[..., 1] < 40) & (image[..., 2] < 40)
        if not red.any():
            return Detections.empty()
        ys, xs = np.nonzero(red)
        box = [[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]]
        return Detections(
            torch.tensor(box, dtype=torch.float32), torch.tensor([0.9]), torch.tensor([0])
        )


def two_stage():
    return TextPromptedMaskLabeler(
        detector=RedBoxDetector(),
        mask_generator=SegmentAnythingGenerator(sam=tiny_segment_anything()),
    )


class RetryDetector(RedBoxDetector):
    """Finds nothing unless the phrase starts with 'all '."""

    def detect(self, image, phrases, box_threshold=0.35, text_threshold=0.25):
        out = super().detect(image, phrases, box_threshold, text_threshold)
        return out if phrases[0].startswith("all ") else Detections.empty()


def _ref_level(detector=None, **kwargs):
    return TextPromptedMaskLabeler(
        detector=detector or RedBoxDetector(),
        mask_generator=SegmentAnythingGenerator(sam=tiny_segment_anything()),
        text_parser=SpacyTextParser(text_encoder=WordEncoder(), class_names=SHAPES),
        parser_method="most_likely_noun",
        parser_input="texts",
        **kwargs,
    )


class TestRefLevelSegment(PseudoLabelerContract):
    cfg = dict(module=lambda: _ref_level(retry_template="all {}s"))

    def make_batch(self, kind="random"):
        inputs, samples = super().make_batch(kind)
        for s in samples:
            s.set_metainfo(dict(texts=["the red block", "a box", "the rhombus"], ref_id=7))
        return inputs, samples


def test_one_query_per_ref_and_the_plural_retry():
    inputs, samples = TestRefLevelSegment().make_batch()
    labeler = _ref_level(RetryDetector(), retry_template="all {}s")
    out = labeler(inputs, samples)
    assert labeler.detector.calls[:2] == [["square"], ["all squares"]]
    assert out[0].pseudo_instances.data.shape[0] == 1
    no_retry = _ref_level(RetryDetector())
    assert no_retry(inputs, samples)[0].pseudo_instances.data.shape[0] == 0


def test_a_ref_without_texts_is_named():
    inputs, samples = PseudoLabelerContract().make_batch()
    samples[0].set_metainfo(dict(ref_id=3))
    with pytest.raises(ValueError, match="ref_id 3.*no `texts`"):
        _ref_level()(inputs, samples)


class ListDataset:
    """Items of the labeler contract batch as a dataset of 5 refs; counts what it serves."""

    def __init__(self, fail_at=None):
        self.inputs, self.samples = TestRefLevelSegment().make_batch()
        self.fail_at, self.served = fail_at, []

    def __len__(self):
        return 5

    def get_data_info(self, i):
        return dict(ref_id=10 + i, image_id=i)

    def __getitem__(self, i):
        if i == self.fail_at:
            raise KeyboardInterrupt  # a kill in the middle of the run
        self.served.append(i)
        return dict(inputs=self.inputs[i % 2], data_samples=self.samples[i % 2].clone())


def test_segment_resumes_after_a_kill(tmp_path):
    """Through generate_pseudo_labels (tools/generate_pseudo_labels.py), which sends instance
    labelers to generate_instance_masks."""
    out = tmp_path / "instances.json"
    labeler = two_stage()
    assert labeler.output == "pseudo_instances"
    killed = ListDataset(fail_at=3)
    with pytest.raises(KeyboardInterrupt):
        generate_pseudo_labels(killed, labeler, out, progress=False)
    assert killed.served == [0, 1, 2] and not out.exists()
    part = tmp_path / "instances.json.parts" / "shard0-of-1.jsonl"
    part.write_text(part.read_text() + '{"ref_id": 13, "rl')  # a torn last line
    again = ListDataset()
    counts = generate_pseudo_labels(again, labeler, out, progress=False)
    assert again.served == [3, 4] and counts["skipped"] == 3 and counts["merged"] == 1
    saved = json.loads(out.read_text())
    assert sorted(saved) == ["10", "11", "12", "13", "14"]
    h, w = TestRefLevelSegment.size
    masks = [rle_to_mask(r, h, w) for r in saved["10"]]
    expected = labeler(again.inputs[:1], [again.samples[0].clone()])[0].pseudo_instances.data
    assert np.array_equal(np.stack(masks), expected.numpy())


def test_one_detector_query_per_image_with_all_refs_nouns():
    inputs, samples = TestRefLevelSegment().make_batch()
    square, circle = ["the red block", "a box"], ["the disc", "a big disc"]
    labeler = _ref_level(image_query=True)
    counts = []
    for texts in (square, circle):
        s = samples[0].clone()
        s.set_metainfo(dict(texts=texts, image_texts=[square, circle], img_path="a.png"))
        counts.append(labeler(inputs[:1], [s])[0].pseudo_instances.data.shape[0])
    # The red box goes to phrase 0 of the image's query, "circle": the square ref gets nothing.
    assert labeler.detector.calls == [["circle", "square"]]
    assert counts == [0, 1]
    with pytest.raises(ValueError, match="ref_id 7.*no `image_texts`"):
        _ref_level(image_query=True)(inputs, samples)


class TextDataset(ListDataset):
    """ListDataset whose refs 10, 11 share image 0 (refs 12.. one image each)."""

    TEXTS = [["the disc"], ["the red block"], ["a box"], ["a ring"], ["a star"]]

    def get_data_info(self, i):
        return dict(ref_id=10 + i, image_id=max(i - 1, 0), texts=self.TEXTS[i])

    def __getitem__(self, i):
        item = super().__getitem__(i)
        info = self.get_data_info(i)
        item["data_samples"].set_metainfo(dict(texts=info["texts"], img_path=f"{info['image_id']}"))
        return item


def test_the_driver_gives_each_ref_its_image_texts(tmp_path):
    labeler = _ref_level(image_query=True)
    generate_instance_masks(TextDataset(), labeler, tmp_path / "i.json", progress=False)
    assert labeler.detector.calls[:2] == [["circle", "square"], ["square"]]
    saved = json.loads((tmp_path / "i.json").read_text())
    assert [len(saved[str(r)]) for r in (10, 11, 12)] == [1, 0, 1]


def test_instance_driver_refuses_a_single_mask_labeler(tmp_path):
    labeler = two_stage()
    labeler.output = "pseudo_mask"  # what a one-mask-per-ref labeler declares
    with pytest.raises(TypeError, match="not instance masks"):
        generate_instance_masks(ListDataset(), labeler, tmp_path / "i.json", progress=False)
