"""Datasets: REFER-format (RefCOCO/+/g, ReferIt), SynthRef, and their transforms."""

from .negative_texts import NegativeTextDataset
from .refer import ReferDataset
from .semi_sampler import SemiSupervisedSampler
from .ssc import ImageGroupedSampler, LoadPseudoInstances
from .synthref import SynthRefDataset
from .transforms import LoadImage, LoadProposals, LoadReferAnnotations, SelectSentence

__all__ = [
    "ImageGroupedSampler",
    "LoadImage",
    "LoadProposals",
    "LoadPseudoInstances",
    "LoadReferAnnotations",
    "NegativeTextDataset",
    "ReferDataset",
    "SelectSentence",
    "SemiSupervisedSampler",
    "SynthRefDataset",
]
