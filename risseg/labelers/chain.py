"""Labelers run one after another on the same samples (e.g. PRMS, then a refiner)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from risseg.labelers.base import BasePseudoLabeler
from risseg.registry import LABELERS
from risseg.structures import SampleList


@LABELERS.register_module()
class ChainLabeler(BasePseudoLabeler):
    """Apply ``labelers`` in order; each reads what the previous ones wrote.

    TRIS: ``ChainLabeler(labelers=[PRMSLabeler(...), IRNRefineLabeler(...)])`` selects a
    response map per ref and refines it in one pass of ``tools/generate_pseudo_labels.py``, so
    the soft map never has to be stored. The chain writes what its last labeler writes
    (``output``); ``pseudo_score`` and ``pseudo_keep`` are the last labeler's.

    Args:
        labelers: LABELERS configs or built labelers, at least one.
    """

    def __init__(self, labelers: Sequence[dict | nn.Module]) -> None:
        super().__init__()
        if not labelers:
            raise ValueError("ChainLabeler needs at least one labeler")
        self.labelers = nn.ModuleList(
            x if isinstance(x, nn.Module) else LABELERS.build(x) for x in labelers
        )
        self.output = self.labelers[-1].output

    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Run every labeler on the batch in order."""
        for labeler in self.labelers:
            data_samples = labeler(inputs, data_samples)
        return data_samples
