"""High-level entry points."""
from risseg.apis.pseudo_labels import generate_proposals, write_index

__all__ = ["generate_proposals", "write_index"]
