"""Datasets: REFER-format (RefCOCO/+/g, ReferIt), SynthRef, and their transforms."""
from .refer import ReferDataset
from .synthref import SynthRefDataset
from .transforms import LoadImage, LoadReferAnnotations, SelectSentence

__all__ = ["LoadImage", "LoadReferAnnotations", "ReferDataset", "SelectSentence",
           "SynthRefDataset"]
