"""SynthRef: a procedurally generated referring segmentation benchmark (docs/datasets.md)."""

from .generator import PRESETS, generate_synthref
from .synthref_dataset import SynthRefDataset, ensure_synthref

__all__ = ["PRESETS", "SynthRefDataset", "ensure_synthref", "generate_synthref"]
