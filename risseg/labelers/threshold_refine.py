"""The plain pseudo mask of a localisation map: its confident part (TRIS refinement baseline)."""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BasePseudoLabeler
from risseg.registry import LABELERS
from risseg.structures import RISDataSample, SampleList


def response_map_of(sample: RISDataSample, key: str, shape: tuple[int, int]) -> Tensor:
    """The (H, W) float localisation map a sample carries in ``key``, in [0, 1].

    Args:
        sample: a sample with ``key`` (PixelData float (1, H, W)).
        key: the field name (e.g. ``'response_map'``, written by the PRMS labeler's loader).
        shape: (H, W) the map must have (the frame of the labeler's inputs).

    Raises:
        KeyError / ValueError: naming the ref, when the map is missing, of another shape or
            outside [0, 1].
    """
    ref = f"ref_id={sample.metainfo.get('ref_id')} ({sample.metainfo.get('img_path', '')})"
    if key not in sample:
        raise KeyError(f"sample {ref} has no '{key}'; load the localisation maps first")
    prob = sample.get(key).data.float()
    prob = prob.reshape(prob.shape[-2:])
    if tuple(prob.shape) != tuple(shape):
        raise ValueError(f"sample {ref}: '{key}' is {tuple(prob.shape)}, the image {tuple(shape)}")
    if prob.numel() and not (torch.isfinite(prob).all() and prob.min() >= 0 and prob.max() <= 1):
        raise ValueError(f"sample {ref}: '{key}' must lie in [0, 1] (max-normalised)")
    return prob


def set_pseudo_mask(sample: RISDataSample, mask: Tensor, score: float) -> None:
    """Write ``pseudo_mask`` (bool (1, H, W)), ``pseudo_score`` and ``pseudo_keep`` (the mask
    is not empty)."""
    sample.pseudo_mask = PixelData(data=mask.bool()[None])
    sample.set_metainfo(dict(pseudo_score=float(score), pseudo_keep=bool(mask.any())))


@LABELERS.register_module()
class ThresholdRefineLabeler(BasePseudoLabeler):
    """``pseudo_mask`` = localisation map > ``thr``.

    Reads ``map_key`` (PixelData float (1, H, W) in [0, 1], e.g. a max-normalised PRMS
    response map) in the frame of ``inputs``; writes ``pseudo_mask``, ``pseudo_score`` (the
    mean map value inside the mask, 0 when empty) and ``pseudo_keep`` (False for an empty
    mask).

    Args:
        thr: the threshold on the max-normalised map.
        map_key: the sample field holding the map.
    """

    def __init__(self, thr: float = 0.5, map_key: str = "response_map") -> None:
        super().__init__()
        if not 0 <= thr < 1:
            raise ValueError(f"thr must be in [0, 1), got {thr}")
        self.thr = thr
        self.map_key = map_key

    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Threshold every sample's map; ``inputs`` only gives the frame."""
        for s in data_samples:
            shape = inputs.shape[-2:] if inputs is not None else s.metainfo["img_shape"][:2]
            prob = response_map_of(s, self.map_key, tuple(shape))
            mask = prob > self.thr
            set_pseudo_mask(s, mask, prob[mask].mean().item() if mask.any() else 0.0)
        return data_samples
