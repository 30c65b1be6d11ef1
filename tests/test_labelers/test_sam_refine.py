import pytest
import torch
from mmengine.structures import PixelData

from risseg.labelers import cpi_refine, iom_refine, refine_batch, top_refine
from risseg.registry import LABELERS
from risseg.testing import PseudoLabelerContract


def _box(y0, y1, x0, x1, size=10):
    m = torch.zeros(size, size, dtype=torch.bool)
    m[y0:y1, x0:x1] = True
    return m


def test_iom_picks_best_proposal_above_half_iou():
    pred = _box(0, 4, 0, 4)  # 16 px
    props = torch.stack([_box(0, 4, 0, 3), _box(0, 4, 0, 5), _box(6, 9, 6, 9)])  # IoU .75, .8, 0
    mask, iou = iom_refine(pred, props)
    assert torch.equal(mask, props[1]) and iou == pytest.approx(0.8)
    # exactly 0.5 is not enough (strict >)
    none, iou = iom_refine(pred, _box(0, 4, 0, 2)[None])
    assert none is None and iou == pytest.approx(0.5)
    assert iom_refine(pred, torch.zeros(0, 10, 10, dtype=torch.bool))[0] is None
    assert iom_refine(torch.zeros(10, 10, dtype=torch.bool), props)[0] is None


def test_cpi_unions_parts_and_covers():
    pred = _box(0, 4, 0, 8)  # 32 px
    left, right = _box(0, 4, 0, 4), _box(0, 4, 4, 9)  # inside ratio 1.0 and 16/20 = 0.8
    far = _box(7, 10, 7, 10)
    mask, parts = cpi_refine(pred, torch.stack([left, right, far]))
    assert parts == 2 and torch.equal(mask, left | right)
    big = _box(0, 10, 0, 10)  # covers all of pred: |S∩c|/|c| = 1
    mask, parts = cpi_refine(pred, big[None])
    assert parts == 1 and torch.equal(mask, big)
    half = _box(0, 4, 0, 4) | _box(6, 10, 0, 10)  # 16/56 inside, covers 16/32 of pred
    assert cpi_refine(pred, half[None])[0] is None


def test_top_picks_the_proposal_the_teacher_is_surest_of():
    # the teacher's hard mask (p > 0.5) would span both objects; its mean is higher on the right
    p_fg = torch.zeros(10, 10)
    p_fg[0:4, 0:4] = 0.6
    p_fg[0:4, 5:9] = 0.9
    left, right, far = _box(0, 4, 0, 4), _box(0, 4, 5, 9), _box(7, 10, 7, 10)
    mask, score = top_refine(p_fg, torch.stack([left, right, far]))
    assert torch.equal(mask, right) and score == pytest.approx(0.9)
    # a proposal twice the object's size halves its mean: the tight one wins
    wide = _box(0, 8, 5, 9)
    assert torch.equal(top_refine(p_fg, torch.stack([wide, right]))[0], right)
    # nothing above the threshold (strict >), no proposals, empty proposals
    none, score = top_refine(p_fg, left[None], score_thr=0.6)
    assert none is None and score == pytest.approx(0.6)
    assert top_refine(p_fg, torch.zeros(0, 10, 10, dtype=torch.bool))[0] is None
    assert top_refine(p_fg, torch.zeros(2, 10, 10, dtype=torch.bool)) == (None, 0.0)


def test_refine_batch_strategies():
    preds = torch.stack([_box(0, 4, 0, 4), _box(6, 9, 6, 9)])
    props = [_box(0, 4, 0, 5)[None], torch.zeros(0, 10, 10, dtype=torch.bool)]
    refined, matched = refine_batch(preds, props, "iom")
    assert matched.tolist() == [True, False]
    assert torch.equal(refined[0], props[0][0]) and torch.equal(refined[1], preds[1])
    refined, matched = refine_batch(preds, props, "pwa")
    assert not matched.any() and torch.equal(refined, preds)
    with pytest.raises(ValueError, match="strategy"):
        refine_batch(preds, props, "best")
    with pytest.raises(ValueError, match="'top' needs p_fg"):
        refine_batch(preds, props, "top")
    refined, matched = refine_batch(preds, props, "top", p_fg=preds.float() * 0.8)
    assert matched.tolist() == [True, False] and torch.equal(refined[0], props[0][0])
    # a higher threshold leaves the sample to PWA with its teacher mask
    refined, matched = refine_batch(preds, props, "top", thr=0.7, p_fg=preds.float() * 0.8)
    assert matched.tolist() == [False, False] and torch.equal(refined, preds)
    with pytest.raises(ValueError, match="Sample 0"):
        refine_batch(preds, [torch.zeros(1, 5, 5, dtype=torch.bool)] * 2, "cpi")


class TestSAMRefineLabeler(PseudoLabelerContract):
    cfg = dict(type="SAMRefineLabeler", strategy="iom")

    def make_batch(self, kind="random"):
        inputs, samples = super().make_batch(kind)
        h, w = self.size
        pred = torch.zeros(1, h, w, dtype=torch.bool)
        pred[:, 4:12, 4:12] = True
        samples[0].pseudo_mask = PixelData(data=pred)
        prop = torch.zeros(1, h, w, dtype=torch.bool)
        prop[:, 4:12, 4:13] = True
        samples[0].proposals = PixelData(data=prop)
        return inputs, samples

    def test_refines_first_sample_only(self):
        inputs, samples = self.make_batch()
        out = self.build()(inputs, samples)
        assert out[0].metainfo["sam_matched"] and not out[1].metainfo["sam_matched"]
        assert out[0].pseudo_mask.data.sum() == 72 and out[1].pseudo_mask.data.sum() == 0

    def test_top_reads_the_teacher_probability(self):
        inputs, samples = self.make_batch()
        h, w = self.size
        props = torch.zeros(2, h, w, dtype=torch.bool)
        props[0, 4:12, 4:13] = True  # the proposal of make_batch, 72 px
        props[1, 0:3, 0:3] = True  # outside the teacher mask
        samples[0].proposals = PixelData(data=props)
        labeler = LABELERS.build(dict(self.cfg, strategy="top"))
        out = labeler(inputs, [samples[0]])  # no pseudo_prob: the mask as 0/1, 64/72 > 0.5
        assert out[0].metainfo["sam_matched"] and out[0].pseudo_mask.data.sum() == 72
        prob = torch.zeros(1, h, w)
        prob[:, 0:3, 0:3] = 0.9  # the teacher is surest of the other object
        samples[0].pseudo_prob = PixelData(data=prob)
        out = labeler(inputs, [samples[0]])
        assert torch.equal(out[0].pseudo_mask.data[0], props[1])
