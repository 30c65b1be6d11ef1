"""The steps of the SeqTR / Partial-RES label-efficiency benchmark: a config and a --cfg-options
diff each.

A step's ``options`` follow ``ema=True`` on its ``tools/train.py`` command line, in order; an
item ``"@name"`` stands for a list of options the benchmark fills in at launch (``@seed``: the
``--seed``, ``@schedule``: the budget of the ratio's masked refs, ``@rpp_schedule``: the same
over the labeled + RPP-kept refs) and ``{det}``, ``{pseudo}``, ``{r}`` in an item for the box
model's checkpoint, the RPP pseudo-label file and the mask ratio. A step with ``{det}`` starts
from the box model ``det``, one with ``pseudo_from`` from the RPP pseudo labels of that step's
train-split predictions: both are trained first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SEGM = "configs/seqtr/segm_synthref-maskonly.py"  # the mask-only recipe of the published rows
MASK_ONLY = "configs/seqtr/segm_synthref-1pct.py"
DET = "configs/partial_res/seqtr-det_synthref.py"
PRES = "configs/partial_res/partial-res_synthref-1pct.py"
PRES_RPP = "configs/partial_res/partial-res_synthref-1pct-rpp.py"
JOINT = "configs/partial_res/partial-res_synthref-1pct-joint.py"
BOX_PRIOR = "configs/partial_res/partial-res_synthref-1pct-boxprior.py"
ITERATIONS = 300  # training budget of every mask-subset run (the 1 % configs' own schedule)
LOAD_DET = "load_from={det}"
SEED = "@seed"


@dataclass(frozen=True)
class Step:
    """One training run (evaluated on the test split unless ``recorded`` is False).

    ``ratio``: the mask ratio (%) of a mask-subset step; ``infer_speed``: also measure
    inference images/s.
    """

    name: str
    config: str
    options: tuple[str, ...]
    ratio: int | None = None
    pseudo_from: str | None = None
    recorded: bool = True
    infer_speed: bool = False

    def needs(self) -> list[str]:
        """The steps this one starts from (trained first)."""
        det = ["det"] if any("{det}" in o for o in self.options) else []
        return det + ([self.pseudo_from] if self.pseudo_from else [])

    def cfg_options(self, lists: dict[str, list[str]], **fields: str) -> list[str]:
        """The options, ``@name`` items replaced by ``lists[name]``, ``{field}`` filled in."""
        out: list[str] = []
        for item in self.options:
            if item.startswith("@"):
                out += lists[item[1:]]
            else:
                out.append(item.format(r=self.ratio, **fields))
        return out


def schedule_options(num_refs: int, iterations: int = ITERATIONS, batch: int = 32) -> list[str]:
    """--cfg-options giving the mask-subset configs about ``iterations`` iterations.

    The 1 % configs train 100 epochs of 3 iterations with x0.1 after 80 % of them; larger
    subsets get proportionally fewer epochs, so every ratio has the same budget.
    """
    epochs = max(5, math.ceil(iterations / math.ceil(num_refs / batch)))
    return [
        f"train_cfg.max_epochs={epochs}",
        f"train_cfg.val_interval={epochs}",
        f"default_hooks.checkpoint.interval={epochs}",
        f"param_scheduler.1.milestones=[{int(0.8 * epochs)}]",
        f"param_scheduler.1.end={epochs}",
    ]


def _both(option: str) -> tuple[str, ...]:
    """``option`` on both parts of the joint configs' ConcatDataset."""
    return tuple(f"train_dataloader.dataset.datasets.{i}.{option}" for i in (0, 1))


def ratio_steps(r: int) -> list[Step]:
    """The steps of mask ratio ``r`` %."""
    sup = "train_dataloader.dataset.supervision_file=supervision_{r}pct.json"
    joint_sup = _both("supervision_file=supervision_{r}pct.json")
    return [
        Step(f"seqtr_{r}pct", MASK_ONLY, (sup, "@schedule", SEED), r),
        # ablation: the plain SeqTR head, from the box model like step 2
        Step(f"seqtr_{r}pct_det", MASK_ONLY, (sup, "@schedule", LOAD_DET, SEED), r),
        Step(f"pres_{r}pct", PRES, (sup, "@schedule", LOAD_DET, SEED), r),
        # steps 3-5: RPP on step 2's train predictions, retrained from the box model with the
        # step-2 budget (~300 iterations) over the labeled + kept refs
        Step(
            f"pres_{r}pct_rpp",
            PRES_RPP,
            (
                SEED,
                sup,
                "train_dataloader.dataset.pseudo_ann_file={pseudo}",
                LOAD_DET,
                "@rpp_schedule",
            ),
            r,
            pseudo_from=f"pres_{r}pct",
        ),
        # risseg's joint variant: mask sequence on the refs with masks, box sequence on all
        Step(f"joint_{r}pct", JOINT, (*joint_sup, LOAD_DET, SEED), r),
        # RPP on the joint model's predictions, then the joint model retrained from the box
        # model with the kept pseudo masks joining the GT masks
        Step(
            f"joint_{r}pct_rpp",
            JOINT,
            (SEED, *joint_sup, LOAD_DET, *_both("pseudo_ann_file={pseudo}")),
            r,
            pseudo_from=f"joint_{r}pct",
        ),
        # box-only refs train the mask sequence on the ellipse inscribed in their box
        Step(f"boxprior_{r}pct", BOX_PRIOR, (*joint_sup, LOAD_DET, SEED), r),
    ]


def steps(ratios: Sequence[int]) -> list[Step]:
    """Every step, in the order they run (a step after those it starts from)."""
    return [
        Step("seqtr_100pct", SEGM, (SEED,), infer_speed=True),
        Step("det", DET, (SEED,), recorded=False),  # Partial-RES step 1: every train box
        # the stronger full-supervision reference: SeqTR's schedule, started from the box
        # model like Partial-RES (SeqTR itself starts its mask models from the backbone)
        Step("seqtr_100pct_det", SEGM, (LOAD_DET, SEED)),
        # the joint variant's own full-supervision reference: every ref trains both sequences
        # (both halves of the ConcatDataset hold every ref, all with masks)
        Step(
            "joint_100pct",
            JOINT,
            (
                *_both("supervision_file=None"),
                "train_dataloader.dataset.datasets.1.keep_supervision=[mask]",
                LOAD_DET,
                SEED,
            ),
        ),
        *[step for r in ratios for step in ratio_steps(r)],
    ]


def to_train(all_steps: Sequence[Step], wanted: set[str]) -> set[str]:
    """The names of the ``wanted`` steps and of every step they start from."""
    by_name = {s.name: s for s in all_steps}
    found: set[str] = set()
    todo = [n for n in wanted if n in by_name]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += by_name[name].needs()
    return found
