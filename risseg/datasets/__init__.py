"""Datasets: REFER-format (RefCOCO/+/g, ReferIt), SynthRef, and their transforms."""
from risseg.datasets.semi_sampler import SemiSupervisedSampler
from risseg.datasets.transforms import LoadProposals

__all__ = ["LoadProposals", "SemiSupervisedSampler"]
