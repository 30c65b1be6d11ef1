"""docs/adding_a_component.md runs: both worked examples (backbone, labeler) are written into a
temporary package, registered, built from their configs and put through their tests."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from risseg.models.utils import build
from risseg.registry import LABELERS, MODELS
from risseg.testing import demo_ris_inputs, load_script

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "adding_a_component.md"
PACKAGE = "doc_example"  # stands in for risseg.models.backbones and risseg.labelers


def doc_blocks() -> dict[str, str]:
    """Repository path of each step (``**N. `path`**``) -> the python block that follows it."""
    blocks, label, code = {}, None, None
    for line in DOC.read_text().splitlines():
        if code is not None:
            if line.startswith("```"):
                blocks[label] = "\n".join(code) + "\n"
                code = None
            else:
                code.append(line)
        elif step := re.match(r"\*\*\d\. [^`]*`([^`]+)`", line):
            label = step.group(1)
        elif line.startswith("```python"):
            code = []
    return blocks


@pytest.fixture
def doc_package(tmp_path):
    """An importable ``doc_example`` package in ``tmp_path``; what it registers and imports is
    removed afterwards."""
    (tmp_path / PACKAGE).mkdir()
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    before = {name: set(reg.module_dict) for name, reg in (("m", MODELS), ("l", LABELERS))}
    yield tmp_path / PACKAGE
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    for key, reg in (("m", MODELS), ("l", LABELERS)):
        for name in set(reg.module_dict) - before[key]:
            reg._module_dict.pop(name)


def write_module(package: Path, name: str, code: str) -> None:
    (package / f"{name}.py").write_text(code)
    __import__(f"{PACKAGE}.{name}")


def run_tests(path: Path) -> int:
    """Run every ``test_*`` function and ``Test*`` class method of the file; return the count."""
    module, count = load_script(path), 0
    for name, obj in vars(module).items():
        if name.startswith("test_") and callable(obj):
            obj()
            count += 1
        elif name.startswith("Test") and isinstance(obj, type):
            for method in [m for m in dir(obj) if m.startswith("test_")]:
                getattr(obj(), method)()
                count += 1
    return count


def test_doc_has_both_examples():
    blocks = doc_blocks()
    for path in (
        "risseg/models/backbones/conv_stack.py",
        "configs/baseline/segm_convstack_synthref.py",
        "tests/test_models/test_backbones/test_conv_stack.py",
        "risseg/labelers/box_mask.py",
        "configs/_base_/labelers/box_mask.py",
        "tests/test_labelers/test_box_mask.py",
    ):
        assert path in blocks, f"{DOC.name} has no python block for {path}"


def test_backbone_example_runs(doc_package, tmp_path):
    blocks = doc_blocks()
    write_module(doc_package, "conv_stack", blocks["risseg/models/backbones/conv_stack.py"])
    assert MODELS.get("ConvStack") is not None
    config = blocks["configs/baseline/segm_convstack_synthref.py"].replace(
        "./segm_synthref.py", str(ROOT / "configs" / "baseline" / "segm_synthref.py")
    )
    (tmp_path / "segm_convstack_synthref.py").write_text(config)
    cfg = Config.fromfile(str(tmp_path / "segm_convstack_synthref.py"))
    torch.manual_seed(0)
    model = build(cfg.model.to_dict())
    batch = demo_ris_inputs(batch_size=2)
    for sample in batch["data_samples"]:
        sample.text_ids = sample.text_ids % cfg.model.text_encoder.vocab_size
    losses = model(**model.data_preprocessor(batch, True), mode="loss")
    assert losses and all(torch.isfinite(v) for v in losses.values())
    test = blocks["tests/test_models/test_backbones/test_conv_stack.py"].replace(
        "risseg.models.backbones", f"{PACKAGE}.conv_stack"
    )
    (tmp_path / "test_conv_stack.py").write_text(test)
    assert run_tests(tmp_path / "test_conv_stack.py") == 5  # 4 contract checks + the shape test


def test_labeler_example_runs(doc_package, tmp_path):
    blocks = doc_blocks()
    write_module(doc_package, "box_mask", blocks["risseg/labelers/box_mask.py"])
    (tmp_path / "box_mask.py").write_text(blocks["configs/_base_/labelers/box_mask.py"])
    labeler = LABELERS.build(Config.fromfile(str(tmp_path / "box_mask.py")).pseudo_labeler)
    assert type(labeler).__name__ == "BoxMaskLabeler"
    (tmp_path / "test_box_mask.py").write_text(blocks["tests/test_labelers/test_box_mask.py"])
    assert run_tests(tmp_path / "test_box_mask.py") == 3  # the three contract checks
