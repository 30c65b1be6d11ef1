"""The SynthRef stand-in for SAM proposals: masks of uniformly coloured regions."""

from __future__ import annotations

from risseg.foundation.mask_generator import MaskGenerator
from risseg.labelers.sam_proposals import MaskProposalLabeler
from risseg.registry import LABELERS


@LABELERS.register_module()
class SynthProposalLabeler(MaskProposalLabeler):
    """:class:`MaskProposalLabeler` whose default generator is the SynthRef stand-in for SAM,
    :class:`~risseg.foundation.colour_regions.ColourRegionGenerator` (colour edges and
    connected components; *not* a general segmenter).

    A named class so that SynthRef proposal files keep recording ``SynthProposalLabeler``.

    Args:
        mask_generator: a FOUNDATION_MODELS config or built generator; default
            ``dict(type='ColourRegionGenerator')``.
        max_proposals: keep at most this many (the generator's own cap is 64, largest first).
    """

    def __init__(
        self, mask_generator: dict | MaskGenerator | None = None, max_proposals: int | None = None
    ) -> None:
        super().__init__(mask_generator or dict(type="ColourRegionGenerator"), max_proposals)
