"""Data transforms: loading, geometry, photometry, tokenisation and packing."""
from risseg.datasets.transforms.loading import LoadImage, LoadReferAnnotations, SelectSentence

__all__ = ["LoadImage", "LoadReferAnnotations", "SelectSentence"]
