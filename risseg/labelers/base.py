"""The contract of pseudo-label generators (style guide section 5).

A labeler is a pure ``nn.Module``: no file IO, optimizer or global state, deterministic under
``torch.manual_seed``; heavy models (SAM, CLIP) are injected or built from local checkpoints.
The same object serves offline use (``tools/generate_pseudo_labels.py CONFIG --out OUT``:
proposal files, or a pseudo annotation file that datasets read with ``pseudo_ann_file``) and
online use (a segmentor builds it from ``pseudo_labeler=dict(type=...)`` and calls it).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import Tensor, nn

from risseg.structures import RISDataSample, SampleList


class BasePseudoLabeler(nn.Module, metaclass=ABCMeta):
    """Base class of labelers that give one mask per sample.

    ``forward`` sets on every sample ``pseudo_mask`` (PixelData, ``data`` bool (1, H, W) in the
    frame of ``inputs``) and the metainfo ``pseudo_score`` (float, higher = more confident). A
    labeler that also decides whether its mask is usable sets the metainfo ``pseudo_keep``
    (bool; absent means kept): ``tools/generate_pseudo_labels.py`` and
    ``tools/choose_pseudo.py`` store kept masks only, and ``SemiRESSegmentor`` trains kept masks
    with its plain loss and the others with its pixel-weighted (PWA) loss.

    Class attribute ``output``: which field the labeler writes (``'pseudo_mask'`` here,
    ``'proposals'``, or ``'pseudo_instances'`` for all candidate instances of a ref), so
    drivers know what to store.
    """

    output = "pseudo_mask"

    @abstractmethod
    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Label a batch.

        Args:
            inputs: (B, 3, H, W) images (uint8 RGB unless the labeler says otherwise), or None
                for labelers that need no pixels.
            data_samples: the B samples.

        Returns:
            The same samples with the output fields set.
        """


def is_kept(sample: RISDataSample) -> bool:
    """Whether a labelled sample's ``pseudo_mask`` is kept (its ``pseudo_keep``, default True)."""
    return bool(sample.metainfo.get("pseudo_keep", True))


class BaseProposalLabeler(BasePseudoLabeler):
    """Base class of class-agnostic proposal generators (one *set* of masks per image).

    ``forward`` sets on every sample ``proposals`` (PixelData, ``data`` bool (N, H, W) at the
    sample's ``img_shape``; N may be 0) and the metainfo ``proposal_scores`` (list of N
    floats). Proposals depend on the image only, so drivers store them once per image.
    """

    output = "proposals"

    @staticmethod
    def image_of(inputs: Tensor, index: int, sample: RISDataSample) -> Tensor:
        """The (H, W, 3) uint8 image of one sample, cropped to its ``img_shape``."""
        h, w = sample.metainfo.get("img_shape", inputs.shape[-2:])[:2]
        img = inputs[index, :, :h, :w]
        if img.dtype != torch.uint8:
            raise TypeError(f"Proposal labelers take uint8 RGB images, got {img.dtype}.")
        return img.permute(1, 2, 0)  # (3, H, W) -> (H, W, 3)
