"""Pseudo-label generators and selectors (registered in LABELERS)."""
from risseg.labelers.base import BaseProposalLabeler, BasePseudoLabeler
from risseg.labelers.sam_proposals import SAMProposalLabeler
from risseg.labelers.sam_refine import (
    SAMRefineLabeler,
    cpi_refine,
    iom_refine,
    pwa_weights,
    refine_batch,
)
from risseg.labelers.synth_proposals import SynthProposalLabeler

__all__ = [
    "BasePseudoLabeler",
    "BaseProposalLabeler",
    "SAMProposalLabeler",
    "SAMRefineLabeler",
    "SynthProposalLabeler",
    "cpi_refine",
    "iom_refine",
    "pwa_weights",
    "refine_batch",
]
