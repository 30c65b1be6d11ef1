"""The runs of the SemiRES label-efficiency benchmark: each a config and a --cfg-options diff.

A run trains ``config`` with ``options``, then the budget options of the mode (smoke, ``--full``
or ``--full --preset large``), the seed, the pretrained encoders (LAVT runs) and, for a SemiRES
run, its burn-in's checkpoint (``model.burn_in_checkpoint``), in this order. A SemiRES run
starts from its ``burn_in`` (trained first when missing) and is compared with its
``reference``, a 100% LAVT run.

``--preset large`` only (RefCOCO's scale): a 40-epoch burn-in (lavt_1pct_long), SemiRES-CPI
from it (semires_cpi_long) and, from the same burn-in and on the same schedule, SemiRES with
IOM, with PWA only and with risseg's top-scoring-proposal refinement; the same comparison at
two, three and four times the budget (lavt_100pct_<k>x: k epochs; semires_cpi_<k>x: 12 epochs
of ``BUDGET_MULTIPLES[k]`` iterations from the 40-epoch burn-in); risseg's teacher averaged over
every sentence of the ref at 1x and 4x, and at 4x from the 7th of 12 epochs on; SemiRES-CPI at
4x with a strong view that shifts no hue.
"""

from __future__ import annotations

from dataclasses import dataclass

LAVT = "configs/lavt/lavt_tiny_synthref.py"
BURN_IN = "configs/semires/lavt_tiny_synthref-1pct-burnin.py"
CPI = "configs/semires/semires_tiny_synthref-1pct-cpi.py"
DATA_ROOTS = {"default": "data/synthref", "large": "data/synthref_large"}  # --preset -> data
# Proposal configs and the folder under the data root that each writes to: the colour-region
# heuristic (every SemiRES run unless it names another) and the learned SAM stand-in
# (tools/train_standins.py --parts sam, read from work_dirs/standins/sam).
HEURISTIC_PROPOSALS = "configs/semires/synth_proposals_synthref.py"
STANDIN_PROPOSALS = "configs/semires/standin_proposals_synthref.py"
PROPOSAL_FOLDERS = {HEURISTIC_PROPOSALS: "proposals", STANDIN_PROPOSALS: "standin_proposals"}


@dataclass(frozen=True)
class Run:
    """One run: ``config`` trained with ``options`` (``--cfg-options``, in every mode).

    ``burn_in`` / ``reference``: for a SemiRES run, the LAVT runs it starts from and is compared
    with (defaults below). ``extra_hooks`` are appended to the config's ``custom_hooks``
    (``--cfg-options`` cannot extend a list). ``large_only``: exists for ``--preset large`` only.
    """

    config: str
    description: str
    options: tuple[str, ...] = ()
    burn_in: str | None = None
    reference: str | None = None
    large_only: bool = False
    extra_hooks: tuple[dict, ...] = ()
    proposals: str = HEURISTIC_PROPOSALS

    @property
    def semires(self) -> bool:
        """Whether this is a SemiRES run (from a burn-in) rather than a LAVT one."""
        return not self.config.startswith(("configs/lavt/", BURN_IN))


def schedule(epochs: int, val_every: int) -> list[str]:
    """--cfg-options training ``epochs`` with validation and a checkpoint every ``val_every``."""
    return [
        f"train_cfg.max_epochs={epochs}",
        f"train_cfg.val_interval={val_every}",
        f"param_scheduler.0.end={epochs}",
        f"default_hooks.checkpoint.interval={val_every}",
    ]


def semires_epochs(epochs: int, length: int) -> tuple[str, ...]:
    """--cfg-options of a SemiRES run of ``epochs`` "epochs" of ``length`` iterations each."""
    return (
        f"train_dataloader.sampler.epoch_length={length}",
        f"train_cfg.max_epochs={epochs}",
        f"param_scheduler.0.end={epochs}",
    )


TEN_PCT = "semi_10pct.json"  # 10% of the train images labeled (661 refs): a better teacher
LONG = "lavt_1pct_long"  # the 40-epoch burn-in of --preset large
# k times the budget (k = 2, 3, 4): the 100% reference trains k epochs (k x 2657 iterations of
# 16), SemiRES-CPI 12 epochs of the given length from the 40-epoch burn-in (1080 iterations of
# 16): 2x 1080 + 4200 = 5280 <= 5314 iterations (67.7k <= 85.0k samples), 3x 7920 <= 7971
# (99.4k <= 127.5k), 4x 10620 <= 10628 (131.8k <= 170.0k); 12 validations each.
BUDGET_MULTIPLES = {2: ("twice", 350), 3: ("three times", 570), 4: ("four times", 795)}
FOUR_X = semires_epochs(12, length=BUDGET_MULTIPLES[4][1])

RUNS: dict[str, Run] = {
    "lavt_100pct": Run(LAVT, "LAVT, 100% masks"),
    "lavt_1pct": Run(BURN_IN, "LAVT, 1% masks (supervised)"),
    "semires_iom": Run("configs/semires/semires_tiny_synthref-1pct-iom.py", "SemiRES 1%, IOM"),
    "semires_cpi": Run(CPI, "SemiRES 1%, CPI"),
    "semires_pwa": Run("configs/semires/semires_tiny_synthref-1pct-pwa.py", "SemiRES 1%, PWA only"),
    "semires_cpi_standin": Run(
        CPI, "SemiRES 1%, CPI, proposals of the SAM stand-in", proposals=STANDIN_PROPOSALS
    ),
    # 7 epochs of 42 iterations, each validated: burn-in + SemiRES stays within the budget of
    # the 100% reference (287 + 1350 <= 1676 iterations)
    "lavt_10pct": Run(
        BURN_IN,
        "LAVT, 10% masks (supervised)",
        (
            f"train_dataloader.dataset.supervision_file={TEN_PCT}",
            "train_cfg.max_epochs=7",
            "param_scheduler.0.end=7",
            "train_cfg.val_interval=1",
            "default_hooks.checkpoint.interval=1",
        ),
    ),
    "semires_cpi_10pct": Run(
        CPI,
        "SemiRES 10%, CPI",
        (
            f"train_dataloader.dataset.datasets.0.supervision_file={TEN_PCT}",
            f"train_dataloader.dataset.datasets.1.supervision_file={TEN_PCT}",
        ),
        burn_in="lavt_10pct",
    ),
    # risseg option, not SemiRES: only the more confident half of the teacher's masks per batch
    "semires_cpi_conf50": Run(
        CPI, "SemiRES 1%, CPI, 50% most confident pseudo labels", ("model.confident_fraction=0.5",)
    ),
    # 4 labeled + 12 unlabeled per batch (the 100% reference's batch of 16)
    "semires_cpi_u12": Run(
        CPI,
        "SemiRES 1%, CPI, 12 unlabeled per batch",
        ("train_dataloader.batch_size=16", "train_dataloader.sampler.batch_size=16"),
    ),
    # the burn-in gets the budget the 20-epoch one leaves unused (40 epochs, LARGE_BUDGETS)
    LONG: Run(BURN_IN, "LAVT, 1% masks (supervised), 40-epoch burn-in", large_only=True),
    "semires_cpi_long": Run(
        CPI, "SemiRES 1%, CPI, from the 40-epoch burn-in", burn_in=LONG, large_only=True
    ),
    # the other refinements on semires_cpi_long's schedule (9 epochs of 150, best val oIoU
    # kept) with the IOM release's 10 x L_sup
    "semires_iom_long": Run(
        CPI,
        "SemiRES 1%, IOM, from the 40-epoch burn-in",
        ("model.pseudo_labeler.strategy=iom", "model.sup_weight=10.0"),
        burn_in=LONG,
        large_only=True,
    ),
    "semires_pwa_long": Run(
        CPI,
        "SemiRES 1%, PWA only, from the 40-epoch burn-in",
        ("model.pseudo_labeler.strategy=pwa", "model.sup_weight=10.0"),
        burn_in=LONG,
        large_only=True,
    ),
    # risseg option, not SemiRES: the top-scoring proposal as the pseudo label instead of CPI
    "semires_top_long": Run(
        CPI,
        "SemiRES 1%, top-scoring proposal (risseg), from the 40-epoch burn-in",
        ("model.pseudo_labeler.strategy=top",),
        burn_in=LONG,
        large_only=True,
    ),
}
for _k, (_words, _length) in BUDGET_MULTIPLES.items():
    RUNS[f"lavt_100pct_{_k}x"] = Run(LAVT, f"LAVT, 100% masks, {_k} epochs", large_only=True)
    RUNS[f"semires_cpi_{_k}x"] = Run(
        CPI,
        f"SemiRES 1%, CPI, from the 40-epoch burn-in, {_words} the budget",
        semires_epochs(12, length=_length),
        burn_in=LONG,
        reference=f"lavt_100pct_{_k}x",
        large_only=True,
    )
# risseg option, not SemiRES: the teacher averages its probabilities over every sentence of the
# ref; CPI otherwise unchanged, at 1x and 4x the budget, and at 4x from the 7th of the 12
# epochs on (ModelOptionSwitchHook), so that the averaged teacher is one already trained with
# SemiRES's single sentence
ALL_SENTENCES = ("model.teacher_all_sentences=True",)
_ALLSENT = "SemiRES 1%, CPI, teacher over all sentences"
RUNS["semires_cpi_allsent_long"] = Run(
    CPI,
    f"{_ALLSENT} (risseg), from the 40-epoch burn-in",
    ALL_SENTENCES,
    burn_in=LONG,
    large_only=True,
)
RUNS["semires_cpi_allsent_4x"] = Run(
    CPI,
    f"{_ALLSENT} (risseg), from the 40-epoch burn-in, four times the budget",
    FOUR_X + ALL_SENTENCES,
    burn_in=LONG,
    reference="lavt_100pct_4x",
    large_only=True,
)
RUNS["semires_cpi_allsent_late_4x"] = Run(
    CPI,
    f"{_ALLSENT} from epoch 7 of 12 (risseg), from the 40-epoch burn-in, four times the budget",
    FOUR_X,
    burn_in=LONG,
    reference="lavt_100pct_4x",
    large_only=True,
    extra_hooks=(
        dict(
            type="ModelOptionSwitchHook", option="teacher_all_sentences", value=True, begin_epoch=6
        ),
    ),
)
# a strong view that keeps colours: brightness, contrast and saturation jitter as the release,
# but no hue shift, so that a sentence naming a colour stays true of the student's image (38%
# of SynthRef large's train sentences name one)
RUNS["semires_cpi_nohue_4x"] = Run(
    CPI,
    "SemiRES 1%, CPI, strong view without hue shift, from the 40-epoch burn-in, four times "
    "the budget",
    FOUR_X + ("model.views.hue=(0.0,0.0)",),
    burn_in=LONG,
    reference="lavt_100pct_4x",
    large_only=True,
)

# --full --preset large (42.5k train refs, 425 of them labeled at 1%): one epoch (2656
# iterations of 16) for the 100% reference, a 20-epoch burn-in on the 425 labeled refs (27
# iterations each = 540, validated every 4 epochs); 540 + 1350 SemiRES iterations of 12 stay
# within the reference's budget.
LARGE_BUDGETS = {
    "lavt_100pct": schedule(1, val_every=1),
    "lavt_1pct": schedule(20, val_every=4),
    **{f"lavt_100pct_{k}x": schedule(k, val_every=1) for k in BUDGET_MULTIPLES},
    # 40 epochs = 1080 iterations, validated every 8: 1080 + 1350 SemiRES iterations of 12 =
    # 2430 iterations / 33.5k samples, still within the reference's 2657 / 42.5k
    LONG: schedule(40, val_every=8),
}
# --full: the configs' schedules, except that the 100% reference gets at least the training
# budget of burn-in + SemiRES together (fair budget): 4 epochs of 419 iterations of 16 = 1676
# iterations / 26.8k samples >= 300 burn-in iterations of 16 + at most 1350 SemiRES iterations
# of 12 (= 1650 iterations / 21.0k samples), validated after every epoch like SemiRES-CPI.
FULL_BUDGETS = {"lavt_100pct": schedule(4, val_every=1)}
FULL_BATCH = {"semires_cpi_u12": 16}  # student batch (labeled + unlabeled); default 12
# Smoke budgets for a shared 2-core CPU (without --full), "semires" for every SemiRES run:
# 100%: 150 iterations of 16 (2400 refs, one epoch); 1%: 20 epochs of the 65 labeled refs
# (5 iterations each); SemiRES: 60 iterations of 4 labeled + 4 unlabeled from the 1% model.
SMOKE_BUDGETS = {
    "lavt_100pct": ["train_dataloader.dataset.indices=2400"],
    "lavt_1pct": schedule(20, val_every=20),
    "lavt_10pct": ["train_cfg.max_epochs=2", "param_scheduler.0.end=2"],
    LONG: schedule(40, val_every=20),
    "semires": [
        "train_dataloader.batch_size=8",
        "train_dataloader.sampler.batch_size=8",
        "train_dataloader.sampler.epoch_length=60",
        *schedule(1, val_every=1),
        "custom_hooks.0.keep_rate=0.97",
    ],
}
SMOKE_BATCH = {"lavt_100pct": 16, "lavt_1pct": 16, LONG: 16, "lavt_10pct": 16, "semires": 8}


def budget(name: str, full: bool, preset: str) -> list[str]:
    """The budget --cfg-options of run ``name`` in the mode (smoke, --full, --full large).

    Raises:
        KeyError: the run has no smoke budget (it needs ``--full``).
    """
    if full:
        return (LARGE_BUDGETS if preset == "large" else FULL_BUDGETS).get(name, [])
    key = "semires" if RUNS[name].semires else name
    if key not in SMOKE_BUDGETS:
        raise KeyError(f"{name} has no smoke budget: run it with --full")
    return SMOKE_BUDGETS[key]


def batch(name: str, full: bool) -> int:
    """Training batch size of run ``name`` (for images/s and the budget check)."""
    semires = RUNS[name].semires
    if full:
        return FULL_BATCH.get(name, 12 if semires else 16)
    return SMOKE_BATCH["semires" if semires else name]


def burn_in_of(name: str) -> str:
    """The LAVT run the SemiRES run ``name`` starts from."""
    return RUNS[name].burn_in or "lavt_1pct"


def reference_of(name: str) -> str:
    """The 100% run ``name`` is compared with: itself for a 100% run, else its reference."""
    if name.startswith("lavt_100pct"):
        return name
    return RUNS[name].reference or "lavt_100pct"
