"""S+S+C's Correct assignments: which candidate instance each item of a batch trains on.

Items are (image, expression) pairs; several items may come from one image (``image_ids``) and
several items from one referent (``ref_ids``, the release's ``mask_idx``). Each item has K
candidate instance masks (K may be 0). Both functions return, per item, the index of its chosen
candidate or None (no target: the item adds no loss term).

* :func:`assign_random` (``random_ce``): one candidate: it; else a uniform draw among the
  candidates not yet given to *other* refs of the same image earlier in the batch (all of them
  when none is left), reusing the draw of an earlier item of the same ref.
* :func:`assign_greedy` (``greedy_ce``, constrained greedy matching): one candidate: it; else,
  per image, repeatedly the (item, candidate) pair of highest soft IoU with the model's
  foreground probability among unassigned items; the candidate is given to every item of that
  ref, and the pixel-identical mask is forbidden to the items of the image's other refs; items
  left without a candidate get None.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def soft_iou(prob: Tensor, masks: Tensor) -> Tensor:
    """Soft IoU of a foreground probability map with K binary masks.

    Args:
        prob: (H, W) foreground probability.
        masks: (K, H, W) bool / {0, 1}.

    Returns:
        (K,) ``sum(p*m) / max(sum(p) + sum(m) - sum(p*m), 1e-7)``.
    """
    m = masks.flatten(1).float()
    p = prob.flatten().float()
    inter = m @ p
    return inter / (p.sum() + m.sum(1) - inter).clamp_min(1e-7)


def _same(a: Tensor, b: Tensor) -> bool:
    return a.shape == b.shape and bool(torch.equal(a, b))


def assign_random(
    instances: Sequence[Tensor],
    image_ids: Sequence[int],
    ref_ids: Sequence[int],
    generator: torch.Generator | None = None,
) -> list[int | None]:
    """The ``random_ce`` choice per item (see the module docstring).

    Args:
        instances: per item, bool (K_i, H, W) candidates.
        image_ids: per item, its image.
        ref_ids: per item, its referent.
        generator: torch RNG of the draws.

    Returns:
        Per item, a candidate index or None (K_i = 0).
    """
    out: list[int | None] = []
    for i, masks in enumerate(instances):
        if len(masks) <= 1:
            out.append(0 if len(masks) else None)
            continue
        earlier = [j for j in range(i) if image_ids[j] == image_ids[i] and out[j] is not None]
        same = [j for j in earlier if ref_ids[j] == ref_ids[i]]
        if same:
            out.append(out[same[0]])
            continue
        taken = [instances[j][out[j]] for j in earlier]
        options = [k for k in range(len(masks)) if not any(_same(masks[k], t) for t in taken)]
        options = options or list(range(len(masks)))
        pick = int(torch.randint(len(options), (1,), generator=generator))
        out.append(options[pick])
    return out


def assign_greedy(
    scores: Sequence[Tensor],
    instances: Sequence[Tensor],
    image_ids: Sequence[int],
    ref_ids: Sequence[int],
) -> list[int | None]:
    """The ``greedy_ce`` choice per item (constrained greedy matching).

    Args:
        scores: per item, (K_i,) preference of each candidate (the soft IoU).
        instances: per item, bool (K_i, H, W) candidates (pixel identity across refs).
        image_ids: per item, its image.
        ref_ids: per item, its referent.

    Returns:
        Per item, a candidate index or None (K_i = 0, or fewer candidates than refs).
    """
    out: list[int | None] = [0 if len(m) == 1 else None for m in instances]
    pref = [s.detach().float().cpu().clone() for s in scores]
    for i, m in enumerate(instances):
        if len(m) <= 1:
            pref[i] = torch.full((len(m),), -float("inf"))
    for image in dict.fromkeys(image_ids):
        items = [i for i, g in enumerate(image_ids) if g == image and out[i] is None]
        while items:
            best = max(items, key=lambda i: float(pref[i].max()) if len(pref[i]) else -1e30)
            if not len(pref[best]) or float(pref[best].max()) == -float("inf"):
                break
            k = int(pref[best].argmax())
            chosen = instances[best][k]
            for j in [j for j in items if ref_ids[j] == ref_ids[best]]:
                out[j] = k
                pref[j][:] = -float("inf")
            items = [j for j in items if out[j] is None]
            for j in items:
                for c, cand in enumerate(instances[j]):
                    if _same(cand, chosen):
                        pref[j][c] = -float("inf")
    return out
