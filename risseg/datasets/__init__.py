"""Datasets: REFER-format (RefCOCO/+/g, ReferIt), SynthRef, and their transforms."""

from risseg.datasets.semi_sampler import SemiSupervisedSampler
from risseg.datasets.transforms import LoadProposals

from .refer import ReferDataset
from .synthref import SynthRefDataset
from .transforms import LoadImage, LoadReferAnnotations, SelectSentence

__all__ = [
    "LoadImage",
    "LoadProposals",
    "LoadReferAnnotations",
    "ReferDataset",
    "SelectSentence",
    "SemiSupervisedSampler",
    "SynthRefDataset",
]
