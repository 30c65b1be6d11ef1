import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.engine import LAVTOptimWrapperConstructor
from risseg.models.utils import build
from risseg.testing import tiny_lavt_cfg


@pytest.fixture(autouse=True)
def _risseg_scope():
    """Builds from dicts resolve in risseg's registries (the conftest resets the scope)."""
    init_default_scope("risseg")


def _groups(model, **paramwise):
    ctor = LAVTOptimWrapperConstructor(
        dict(optimizer=dict(type="AdamW", lr=5e-5, weight_decay=1e-2)), paramwise_cfg=paramwise
    )
    return ctor(model).optimizer.param_groups


def _ids(params):
    return {id(p) for p in params}


def test_lavt_groups():
    model = build(tiny_lavt_cfg())
    groups = _groups(model)
    optimised = set().union(*(_ids(g["params"]) for g in groups))
    names = {id(p): n for n, p in model.named_parameters()}
    bert = [n for n in map(names.get, optimised) if ".bert." in n]
    layers = {int(n.split("encoder.layer.")[1].split(".")[0]) for n in bert}
    assert layers == set(range(10))
    assert not any("embeddings" in n for n in bert)
    for n, p in model.named_parameters():
        if n.startswith(("backbone.", "head.")):
            # the last stage's language gate feeds nothing and is frozen (SwinPWAM)
            assert (id(p) in optimised) == (not n.startswith("backbone.gates.3.")), n
    no_decay = [g for g in groups if g["weight_decay"] == 0.0]
    assert len(no_decay) == 1
    nd_names = [names[id(p)] for p in no_decay[0]["params"]]
    assert any("relative_position_bias_table" in n for n in nd_names)
    assert any("out_norms" in n for n in nd_names) and any("norm1" in n for n in nd_names)
    assert all(n.startswith("backbone.") for n in nd_names)
    decayed = [names[id(p)] for g in groups if g["weight_decay"] != 0.0 for p in g["params"]]
    assert "backbone.pwams.0.attention.query.weight" in decayed
    assert "head.fuse4.0.1.weight" in decayed  # BN in the decoder decays, as in LAVT


def test_frozen_parameters_and_prefixes_are_handled():
    model = torch.nn.Module()
    model.student = build(tiny_lavt_cfg(with_preprocessor=False))
    model.teacher = build(tiny_lavt_cfg(with_preprocessor=False))
    model.teacher.requires_grad_(False)
    groups = _groups(model, bert_layers=2)
    optimised = set().union(*(_ids(g["params"]) for g in groups))
    assert not optimised & _ids(model.teacher.parameters())
    names = {id(p): n for n, p in model.named_parameters()}
    bert = {names[i] for i in optimised if ".bert." in names[i]}
    assert bert and all(".layer.0." in n or ".layer.1." in n for n in bert)


def test_bert_embeddings_option():
    model = build(tiny_lavt_cfg())
    names = {id(p): n for n, p in model.named_parameters()}
    groups = _groups(model, bert_embeddings=True)
    optimised = {names[id(p)] for g in groups for p in g["params"]}
    assert any(".bert.embeddings." in n for n in optimised)
