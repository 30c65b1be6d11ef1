"""InstanceFilteredMaskLabeler: largest-intersection matching of masks to instances."""

import numpy as np
import pytest
import torch

from risseg.foundation import ColourRegionGenerator, Detections, GroundedDetector
from risseg.foundation.mask_generator import MaskGenerator
from risseg.labelers import InstanceFilteredMaskLabeler, match_largest_intersection
from risseg.testing import PseudoLabelerContract


class TestInstanceFilteredMaskLabeler(PseudoLabelerContract):
    cfg = dict(
        type="InstanceFilteredMaskLabeler",
        mask_generator=dict(type="ColourRegionGenerator"),
        instance_model=dict(type="ColourRegionGenerator", min_area=40),
        score_thr=-1e9,
    )


def masks_of(*boxes, h=10, w=10):
    out = np.zeros((len(boxes), h, w), bool)
    for m, (x0, y0, x1, y1) in zip(out, boxes, strict=True):
        m[y0:y1, x0:x1] = True
    return out


def test_largest_raw_intersection_not_iou():
    masks = masks_of((0, 0, 10, 10), (0, 0, 3, 3), (6, 6, 9, 9))
    instances = masks_of((0, 0, 4, 4), (8, 8, 10, 10))
    # instance 0: overlaps 16 px with the whole image (IoU 0.16), 9 px with mask 1 (IoU 0.56)
    assert match_largest_intersection(masks, instances, dedupe=False) == [0, 0]
    assert match_largest_intersection(masks, instances) == [0]
    far = masks_of((0, 0, 2, 2))
    assert match_largest_intersection(masks_of((5, 5, 9, 9)), far) == []
    assert match_largest_intersection(masks_of((5, 5, 9, 9)), far, min_intersection=0) == [0]


class _Fixed(MaskGenerator):
    promptable = False

    def __init__(self, masks, scores):
        super().__init__()
        self.masks, self.scores, self.seen = torch.from_numpy(masks), torch.tensor(scores), []

    def generate(self, image):
        self.seen.append(np.asarray(image).copy())
        return self.masks, self.scores


class _Boxes(GroundedDetector):
    def detect(self, image, phrases, box_threshold=0.0, text_threshold=0.0):
        boxes = torch.tensor([[6.0, 6.0, 9.0, 9.0], [0.0, 0.0, 2.0, 2.0]])
        return Detections(boxes, torch.tensor([0.9, 0.2]), torch.zeros(2, dtype=torch.long))


def test_instances_from_a_detector_and_score_threshold_and_bgr():
    gen = _Fixed(masks_of((0, 0, 5, 5), (5, 5, 10, 10)), [0.9, 0.8])
    labeler = InstanceFilteredMaskLabeler(gen, _Boxes(), score_thr=0.5, bgr=True)
    image = np.zeros((10, 10, 3), np.uint8)
    image[..., 0] = 7
    masks, scores = labeler.propose(image)
    assert masks.shape == (1, 10, 10) and masks[0].sum() == 25 and scores == [pytest.approx(0.8)]
    assert gen.seen[-1][0, 0, 2] == 7  # the generator got the channels reversed
    inst = _Fixed(masks_of((0, 0, 3, 3)), [0.1])  # below score_thr: no instance, no mask
    assert len(InstanceFilteredMaskLabeler(gen, inst).propose(image)[0]) == 0


def test_rejects_a_non_instance_model():
    with pytest.raises(TypeError, match="instance_model"):
        InstanceFilteredMaskLabeler(ColourRegionGenerator(), torch.nn.Identity())
