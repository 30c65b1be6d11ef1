"""Pseudo-label generators and selectors (registered in LABELERS)."""

from risseg.labelers.base import BaseProposalLabeler, BasePseudoLabeler, is_kept
from risseg.labelers.chain import ChainLabeler
from risseg.labelers.instance_filtered_masks import (
    InstanceFilteredMaskLabeler,
    match_largest_intersection,
)
from risseg.labelers.irn_refine import IRNRefineLabeler
from risseg.labelers.prms import PRMSLabeler, select_map
from risseg.labelers.rpp import RPPLabeler, projection_score
from risseg.labelers.sam_proposals import MaskProposalLabeler
from risseg.labelers.sam_refine import (
    SAMRefineLabeler,
    cpi_refine,
    iom_refine,
    refine_batch,
    top_refine,
)
from risseg.labelers.synth_proposals import SynthProposalLabeler
from risseg.labelers.text_prompted_masks import TextPromptedMaskLabeler
from risseg.labelers.threshold_refine import ThresholdRefineLabeler
from risseg.labelers.zero_shot_select import ZeroShotSelectLabeler, reverse_blur

__all__ = [
    "BasePseudoLabeler",
    "BaseProposalLabeler",
    "ChainLabeler",
    "IRNRefineLabeler",
    "InstanceFilteredMaskLabeler",
    "MaskProposalLabeler",
    "PRMSLabeler",
    "RPPLabeler",
    "SAMRefineLabeler",
    "SynthProposalLabeler",
    "TextPromptedMaskLabeler",
    "ThresholdRefineLabeler",
    "ZeroShotSelectLabeler",
    "cpi_refine",
    "iom_refine",
    "is_kept",
    "match_largest_intersection",
    "projection_score",
    "refine_batch",
    "reverse_blur",
    "select_map",
    "top_refine",
]
