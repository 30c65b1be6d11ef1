"""High-level entry points."""

from risseg.apis.encoder_pretraining import pretrain_bert, pretrain_swin
from risseg.apis.inference import Segmentation, inference_pipeline, init_segmentor, segment
from risseg.apis.pseudo_labels import (
    generate_proposals,
    generate_pseudo_labels,
    generate_pseudo_masks,
    write_index,
)

__all__ = [
    "Segmentation",
    "generate_proposals",
    "generate_pseudo_labels",
    "generate_pseudo_masks",
    "inference_pipeline",
    "init_segmentor",
    "pretrain_bert",
    "pretrain_swin",
    "segment",
    "write_index",
]
