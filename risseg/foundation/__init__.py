"""Foundation models as swappable parts: one interface per role, each wrapping a library class.

Every part loads its weights from a local path (:mod:`risseg.foundation.weights`); tests build
tiny randomly initialised instances of the same library classes.
"""
from risseg.foundation.weights import (
    load_hf_pretrained,
    load_torch_weights,
    local_weights_dir,
    local_weights_file,
)

__all__ = ["load_hf_pretrained", "load_torch_weights", "local_weights_dir", "local_weights_file"]
