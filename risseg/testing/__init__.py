"""Testing kit shipped with risseg (as ``mmdet.testing``): tiny modules and synthetic data.

Importing it registers ``TinyBackbone``, ``TinyTextEncoder`` (MODELS) and
``SyntheticRISDataset`` (DATASETS); configs load it with
``custom_imports=dict(imports=['risseg.testing'])``. It also ships the contract tests of every
component role (``*Contract``, ``CONTRACTS``), full-size model building without weights
(``drop_missing_checkpoints``, ``build_without_checkpoints``, ``init_empty_weights``) and the
loader of the repository's scripts (``load_script``, ``run_script``).
"""

from risseg.testing._configs import (
    CHECKPOINT_KEYS,
    build_without_checkpoints,
    drop_missing_checkpoints,
    init_empty_weights,
    retarget_paths,
    synthref_config,
)
from risseg.testing._contracts import (
    CONTRACTS,
    BackboneContract,
    HeadContract,
    ModelPartContract,
    NeckContract,
    TextEncoderContract,
    covered_class,
    random_words,
    registered_classes,
)
from risseg.testing._dataset import COLOURS, SyntheticRISDataset, hash_tokenize
from risseg.testing._inputs import demo_ris_inputs
from risseg.testing._labeler_contract import PseudoLabelerContract
from risseg.testing._lavt import TINY_BERT, demo_lavt_samples, tiny_lavt_cfg
from risseg.testing._modules import TinyBackbone, TinyTextEncoder
from risseg.testing._scripts import load_script, run_script

__all__ = [
    "BackboneContract",
    "HeadContract",
    "CHECKPOINT_KEYS",
    "COLOURS",
    "CONTRACTS",
    "ModelPartContract",
    "NeckContract",
    "PseudoLabelerContract",
    "TINY_BERT",
    "SyntheticRISDataset",
    "TinyBackbone",
    "TextEncoderContract",
    "TinyTextEncoder",
    "covered_class",
    "demo_lavt_samples",
    "demo_ris_inputs",
    "build_without_checkpoints",
    "drop_missing_checkpoints",
    "hash_tokenize",
    "init_empty_weights",
    "load_script",
    "random_words",
    "registered_classes",
    "retarget_paths",
    "run_script",
    "synthref_config",
    "tiny_lavt_cfg",
]
