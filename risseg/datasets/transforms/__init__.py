"""Data transforms: loading, geometry, photometry, tokenisation and packing."""

from risseg.datasets.transforms.formatting import PackRISInputs
from risseg.datasets.transforms.geometric import Letterbox, Pad, RandomFlip, Resize
from risseg.datasets.transforms.ir_labels import LoadIRLabels
from risseg.datasets.transforms.loading import (
    BoxPriorMask,
    LoadImage,
    LoadReferAnnotations,
    SelectSentence,
)
from risseg.datasets.transforms.photometric import GaussianBlur, PhotometricJitter
from risseg.datasets.transforms.proposals import LoadProposals
from risseg.datasets.transforms.seqtr import LargeScaleJitter, SampleContourPoints
from risseg.datasets.transforms.text import TokenizeText

__all__ = [
    "BoxPriorMask",
    "GaussianBlur",
    "LargeScaleJitter",
    "Letterbox",
    "LoadIRLabels",
    "LoadImage",
    "LoadProposals",
    "LoadReferAnnotations",
    "PackRISInputs",
    "Pad",
    "PhotometricJitter",
    "RandomFlip",
    "Resize",
    "SampleContourPoints",
    "SelectSentence",
    "TokenizeText",
]
