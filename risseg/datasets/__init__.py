"""Datasets: REFER-format (RefCOCO/+/g, ReferIt), SynthRef, and their transforms."""

from .refer import ReferDataset
from .semi_sampler import SemiSupervisedSampler
from .synthref import SynthRefDataset
from .transforms import LoadImage, LoadProposals, LoadReferAnnotations, SelectSentence

__all__ = [
    "LoadImage",
    "LoadProposals",
    "LoadReferAnnotations",
    "ReferDataset",
    "SelectSentence",
    "SemiSupervisedSampler",
    "SynthRefDataset",
]
