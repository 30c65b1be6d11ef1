"""Pseudo-RIS: (mask, expression) pairs generated from unlabeled images.

See docs/methods/pseudo_ris.md.

Stages: pseudo masks (``risseg.labelers.InstanceFilteredMaskLabeler``), caption candidates
(:class:`CaptionCandidates` with :class:`DistinctiveSampling`), distinctiveness scores
(:class:`DistinctivenessScorer`) and a REFER-format writer (:func:`write_refer`).
"""

from risseg.pseudo_ris.captions import CaptionCandidates
from risseg.pseudo_ris.distinctive import DistinctiveSampling
from risseg.pseudo_ris.filtering import DistinctivenessScorer, distinctiveness, keep_indices
from risseg.pseudo_ris.views import crop_views
from risseg.pseudo_ris.writer import write_refer

__all__ = [
    "CaptionCandidates",
    "DistinctiveSampling",
    "DistinctivenessScorer",
    "crop_views",
    "distinctiveness",
    "keep_indices",
    "write_refer",
]
