"""Foundation models as swappable parts: one interface per role, each wrapping a library class.

Every part loads its weights from a local path (:mod:`risseg.foundation.weights`); tests build
tiny randomly initialised instances of the same library classes.
"""

from risseg.foundation.captioner import Captioner, DecodeState
from risseg.foundation.clip_scorers import HFCLIPScorer, OpenCLIPScorer
from risseg.foundation.coca_captioner import OpenCoCaCaptioner
from risseg.foundation.colour_regions import ColourRegionGenerator
from risseg.foundation.grounded_detector import Detections, GroundedDetector
from risseg.foundation.hf_detectors import HFGroundingDINODetector, OWLv2Detector
from risseg.foundation.image_text_scorer import ImageTextScorer
from risseg.foundation.mask_generator import MaskGenerator, best_of_multimask
from risseg.foundation.sam_segment_anything import SegmentAnythingGenerator
from risseg.foundation.sam_transformers import HFSam2Generator, HFSamGenerator
from risseg.foundation.text_mask_generator import HFSam3Generator, TextMaskGenerator
from risseg.foundation.text_parser import SpacyTextParser
from risseg.foundation.weights import (
    load_hf_pretrained,
    load_torch_weights,
    local_weights_dir,
    local_weights_file,
)

__all__ = [
    "ColourRegionGenerator",
    "HFSam2Generator",
    "HFSam3Generator",
    "HFSamGenerator",
    "MaskGenerator",
    "SegmentAnythingGenerator",
    "TextMaskGenerator",
    "best_of_multimask",
    "load_hf_pretrained",
    "load_torch_weights",
    "local_weights_dir",
    "local_weights_file",
]
__all__ += [
    "Captioner",
    "DecodeState",
    "Detections",
    "GroundedDetector",
    "HFCLIPScorer",
    "HFGroundingDINODetector",
    "ImageTextScorer",
    "OWLv2Detector",
    "OpenCLIPScorer",
    "OpenCoCaCaptioner",
    "SpacyTextParser",
]
