"""LAVT's parameter groups: which parameters are optimised and which decay."""

from __future__ import annotations

import re

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS
from torch import nn

from risseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

_BERT_LAYER = re.compile(r"(?:^|\.)text_encoder\.bert\.encoder\.layer\.(\d+)\.")


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LAVTOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Build LAVT's optimizer groups (https://github.com/yz93/LAVT-RIS, train.py).

    - backbone (Swin, PWAMs, gates, output norms): weight decay except for parameters whose
      name contains one of ``no_decay_keys`` (norms, relative position tables, APE);
    - everything else (decoder, non-BERT text encoders): the optimizer's weight decay;
    - BERT (``text_encoder.bert.*``): only ``encoder.layer.i`` with i < ``bert_layers`` is
      optimised; embeddings and the top layers are left out (they still get gradients).

    Parameters with ``requires_grad=False`` (e.g. an EMA teacher) are skipped. Works on any
    model whose parameter names contain ``backbone.`` / ``text_encoder.``, so a teacher-student
    wrapper (``student.backbone...``) is handled too.

    ``paramwise_cfg`` keys: ``bert_layers`` (default 10), ``bert_embeddings`` (default False;
    True also optimises BERT's embeddings, for randomly initialised toy BERTs), ``no_decay_keys``
    (default ``("norm", "relative_position_bias_table", "absolute_pos_embed")``).
    """

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Return the optimizer wrapper over LAVT's parameter groups."""
        if hasattr(model, "module"):
            model = model.module
        cfg = dict(self.paramwise_cfg or {})
        bert_layers = int(cfg.get("bert_layers", 10))
        bert_embeddings = bool(cfg.get("bert_embeddings", False))
        no_decay_keys = tuple(
            cfg.get("no_decay_keys", ("norm", "relative_position_bias_table", "absolute_pos_embed"))
        )
        decay, no_decay, other, skipped = [], [], [], []
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            if ".bert." in f".{name}":
                m = _BERT_LAYER.search(name)
                if bert_embeddings and ".bert.embeddings." in f".{name}":
                    other.append(param)
                    continue
                if m is None or int(m[1]) >= bert_layers:
                    skipped.append(name)
                    continue
                other.append(param)
            elif "backbone." in name and any(k in name for k in no_decay_keys):
                no_decay.append(param)
            elif "backbone." in name:
                decay.append(param)
            else:
                other.append(param)
        print_log(
            f"LAVT optimizer: {len(decay)} decayed + {len(no_decay)} non-decayed backbone "
            f"tensors, {len(other)} others; {len(skipped)} BERT tensors not optimised.",
            "current",
        )
        optim_cfg = dict(self.optimizer_cfg)
        groups = [
            dict(params=no_decay, weight_decay=0.0),
            dict(params=decay),
            dict(params=other),
        ]
        optim_cfg["params"] = [g for g in groups if g["params"]]
        optimizer = OPTIMIZERS.build(optim_cfg)
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg.setdefault("type", "OptimWrapper")
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))
