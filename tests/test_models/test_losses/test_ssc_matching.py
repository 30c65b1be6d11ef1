"""S+S+C Correct assignments: greedy matching against a brute-force assignment, random_ce rules."""

import itertools

import torch

from risseg.models.losses.ssc_matching import assign_greedy, assign_random, soft_iou

H = W = 8


def _blocks(n):
    """n disjoint 2-row masks (n <= 4)."""
    out = torch.zeros(n, H, W, dtype=torch.bool)
    for k in range(n):
        out[k, 2 * k : 2 * k + 2] = True
    return out


def _brute_force(scores, instances, image_ids, ref_ids):
    """The constrained assignment (one candidate per ref, refs of an image on pixel-distinct
    masks) of maximal total score, by enumeration."""
    refs = list(dict.fromkeys(ref_ids))
    first = {r: ref_ids.index(r) for r in refs}
    best, best_total = None, -1.0
    for combo in itertools.product(*[range(len(instances[first[r]])) for r in refs]):
        pick = dict(zip(refs, combo, strict=True))
        ok = all(
            not torch.equal(instances[first[a]][pick[a]], instances[first[b]][pick[b]])
            for a, b in itertools.combinations(refs, 2)
            if image_ids[first[a]] == image_ids[first[b]]
        )
        total = sum(float(scores[i][pick[ref_ids[i]]]) for i in range(len(ref_ids)))
        if ok and total > best_total:
            best, best_total = [pick[r] for r in ref_ids], total
    return best


def test_soft_iou_of_hand_made_probabilities():
    masks = _blocks(2)
    prob = masks[0].float() * 0.5
    iou = soft_iou(prob, masks)
    # inter 8, sum p 8, sum m 16 -> 8 / 16; the other block: 0
    assert torch.allclose(iou, torch.tensor([0.5, 0.0]))


def test_greedy_matches_brute_force_on_hand_made_logits():
    masks = _blocks(3)
    # image 0: refs 10 (two items) and 11 share the 3 candidate masks; image 1: ref 12
    instances = [masks, masks, masks, masks[:2]]
    image_ids, ref_ids = [0, 0, 0, 1], [10, 10, 11, 12]
    logits = torch.full((4, H, W), -4.0)
    logits[0, 0:2] = 4.0  # ref 10 looks like block 0 ...
    logits[1, 0:2] = 3.0
    logits[2, 0:2] = 3.5  # ... and ref 11 too, a little less: it must take its second best
    logits[2, 4:6] = 2.0
    logits[3, 2:4] = 4.0
    scores = [soft_iou(p, m) for p, m in zip(logits.sigmoid(), instances, strict=True)]
    got = assign_greedy(scores, instances, image_ids, ref_ids)
    assert got == _brute_force(scores, instances, image_ids, ref_ids) == [0, 0, 2, 1]


def test_greedy_leaves_refs_without_a_free_mask_unassigned():
    masks = _blocks(1)
    instances = [torch.cat([masks, _blocks(2)[1:]]), torch.cat([masks, _blocks(2)[1:]])]
    instances.append(instances[0])
    scores = [torch.tensor([0.9, 0.1]), torch.tensor([0.8, 0.2]), torch.tensor([0.7, 0.6])]
    got = assign_greedy(scores, instances, [0, 0, 0], [1, 2, 3])
    assert got == [0, None, 1]  # 3 refs, 2 masks: ref 3 prefers mask 1 more than ref 2


def test_single_candidates_and_empty_items():
    masks = _blocks(2)
    got = assign_greedy(
        [torch.tensor([0.1]), torch.zeros(0), torch.tensor([0.0, 1.0])],
        [masks[:1], masks[:0], masks],
        [0, 0, 0],
        [1, 2, 3],
    )
    assert got == [0, None, 1]


def test_random_reuses_the_ref_and_avoids_other_refs_masks():
    masks = _blocks(2)
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        got = assign_random([masks] * 3, [0, 0, 0], [1, 1, 2], generator=g)
        assert got[0] == got[1] and got[2] == 1 - got[0]
    assert assign_random([masks[:1], masks[:0]], [0, 0], [1, 2]) == [0, None]
