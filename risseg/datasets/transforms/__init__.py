"""Data transforms: loading, geometry, photometry, tokenisation and packing."""
from risseg.datasets.transforms.proposals import LoadProposals

__all__ = ["LoadProposals"]
