"""Testing kit shipped with risseg (as ``mmdet.testing``): tiny modules and synthetic data.

Importing it registers ``TinyBackbone``, ``TinyTextEncoder`` (MODELS) and
``SyntheticRISDataset`` (DATASETS); configs load it with
``custom_imports=dict(imports=['risseg.testing'])``.
"""
from risseg.testing._configs import retarget_paths, synthref_config
from risseg.testing._dataset import COLOURS, SyntheticRISDataset, hash_tokenize
from risseg.testing._inputs import demo_ris_inputs
from risseg.testing._labeler_contract import PseudoLabelerContract
from risseg.testing._lavt import TINY_BERT, demo_lavt_samples, tiny_lavt_cfg
from risseg.testing._modules import TinyBackbone, TinyTextEncoder

__all__ = [
    "COLOURS",
    "PseudoLabelerContract",
    "TINY_BERT",
    "SyntheticRISDataset",
    "TinyBackbone",
    "TinyTextEncoder",
    "demo_lavt_samples",
    "demo_ris_inputs",
    "hash_tokenize",
    "retarget_paths",
    "synthref_config",
    "tiny_lavt_cfg",
]
