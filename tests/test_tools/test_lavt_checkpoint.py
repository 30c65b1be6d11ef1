"""The LAVT converter maps the official release's names onto LAVTSegmentor."""

from pathlib import Path

import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.models.utils import build
from risseg.testing import load_script, tiny_lavt_cfg


@pytest.fixture(autouse=True)
def _risseg_scope():
    """Builds from dicts resolve in risseg's registries (the conftest resets the scope)."""
    init_default_scope("risseg")


_TOOL = Path(__file__).parents[2] / "tools" / "convert" / "lavt_checkpoint.py"
tool = load_script(_TOOL)


def _official_lavt(embed=8, depths=(1, 1, 2, 1), heads=(1, 1, 2, 2), window=4, text=16, hidden=16):
    """Names and shapes of yz93/LAVT-RIS's ``single_model.state_dict()`` (lib/backbone.py,
    lib/mask_predictor.py) for a small Swin."""
    g = torch.Generator().manual_seed(0)

    def r(*shape):
        return torch.randn(*shape, generator=g)

    sd = {
        "backbone.patch_embed.proj.weight": r(embed, 3, 4, 4),
        "backbone.patch_embed.proj.bias": r(embed),
        "backbone.patch_embed.norm.weight": r(embed),
        "backbone.patch_embed.norm.bias": r(embed),
    }
    for i, (d, h) in enumerate(zip(depths, heads, strict=False)):
        c, p = embed * 2**i, f"backbone.layers.{i}."
        for j in range(d):
            b = f"{p}blocks.{j}."
            sd.update(
                {
                    b + "norm1.weight": r(c),
                    b + "norm1.bias": r(c),
                    b + "attn.relative_position_bias_table": r((2 * window - 1) ** 2, h),
                    b + "attn.relative_position_index": torch.zeros(window**2, window**2).long(),
                    b + "attn.qkv.weight": r(3 * c, c),
                    b + "attn.qkv.bias": r(3 * c),
                    b + "attn.proj.weight": r(c, c),
                    b + "attn.proj.bias": r(c),
                    b + "norm2.weight": r(c),
                    b + "norm2.bias": r(c),
                    b + "mlp.fc1.weight": r(4 * c, c),
                    b + "mlp.fc1.bias": r(4 * c),
                    b + "mlp.fc2.weight": r(c, 4 * c),
                    b + "mlp.fc2.bias": r(c),
                }
            )
        f = p + "fusion."
        sd.update(
            {
                f + "vis_project.0.weight": r(c, c, 1),
                f + "vis_project.0.bias": r(c),
                f + "image_lang_att.f_key.0.weight": r(c, text, 1),
                f + "image_lang_att.f_key.0.bias": r(c),
                f + "image_lang_att.f_query.0.weight": r(c, c, 1),
                f + "image_lang_att.f_query.0.bias": r(c),
                f + "image_lang_att.f_value.0.weight": r(c, text, 1),
                f + "image_lang_att.f_value.0.bias": r(c),
                f + "image_lang_att.W.0.weight": r(c, c, 1),
                f + "image_lang_att.W.0.bias": r(c),
                f + "project_mm.0.weight": r(c, c, 1),
                f + "project_mm.0.bias": r(c),
                p + "res_gate.0.weight": r(c, c),
                p + "res_gate.2.weight": r(c, c),
            }
        )
        if i < len(depths) - 1:
            sd.update(
                {
                    p + "downsample.reduction.weight": r(2 * c, 4 * c),
                    p + "downsample.norm.weight": r(4 * c),
                    p + "downsample.norm.bias": r(4 * c),
                }
            )
        sd.update({f"backbone.norm{i}.weight": r(c), f"backbone.norm{i}.bias": r(c)})
    c = [embed * 2**i for i in range(4)]
    ins = {"4": c[3] + c[2], "3": hidden + c[1], "2": hidden + c[0]}
    for s, cin in ins.items():
        for a, ci in (("1", cin), ("2", hidden)):
            sd[f"classifier.conv{a}_{s}.weight"] = r(hidden, ci, 3, 3)
            bn = f"classifier.bn{a}_{s}."
            sd.update(
                {
                    bn + "weight": r(hidden),
                    bn + "bias": r(hidden),
                    bn + "running_mean": r(hidden),
                    bn + "running_var": r(hidden).abs(),
                    bn + "num_batches_tracked": torch.tensor(3),
                }
            )
    sd.update({"classifier.conv1_1.weight": r(2, hidden, 1, 1), "classifier.conv1_1.bias": r(2)})
    return sd


def _bert_state():
    model = build(tiny_lavt_cfg(with_preprocessor=False))
    return {
        k[len("text_encoder.bert.") :]: torch.randn_like(v.float()).to(v.dtype)
        for k, v in model.state_dict().items()
        if k.startswith("text_encoder.bert.")
    }


def test_lavt_release_layout_loads_strictly():
    official = {"model": _official_lavt(), "bert_model": _bert_state(), "epoch": 39}
    state = tool.convert_lavt_checkpoint(official)
    model = build(tiny_lavt_cfg(with_preprocessor=False))
    model.load_state_dict(state, strict=True)
    src = official["model"]
    assert torch.equal(
        model.backbone.layers[2].downsample.reduction.weight,
        src["backbone.layers.1.downsample.reduction.weight"],
    )
    assert torch.equal(
        model.backbone.pwams[3].attention.value.weight,
        src["backbone.layers.3.fusion.image_lang_att.f_value.0.weight"],
    )
    assert torch.equal(
        model.backbone.gates[1].fc2.weight, src["backbone.layers.1.res_gate.2.weight"]
    )
    assert torch.equal(model.backbone.out_norms[2].bias, src["backbone.norm2.bias"])
    assert torch.equal(model.head.fuse3[1][1].running_mean, src["classifier.bn2_3.running_mean"])
    assert torch.equal(model.head.cls.bias, src["classifier.conv1_1.bias"])


def test_lavt_one_layout_and_cli(tmp_path):
    model_sd = _official_lavt()
    model_sd.update({f"text_encoder.{k}": v for k, v in _bert_state().items()})
    src = tmp_path / "lavt_one.pth"
    torch.save({"model": model_sd, "epoch": 1}, src)
    dst = tmp_path / "out.pth"
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, str(_TOOL), str(src), str(dst)],
        check=True,
        env={"PYTHONPATH": str(_TOOL.parents[2])},
    )
    model = build(tiny_lavt_cfg(with_preprocessor=False))
    model.load_state_dict(torch.load(dst)["state_dict"], strict=True)


def test_unknown_keys_fail_loudly():
    import pytest

    with pytest.raises(KeyError, match="Unknown"):
        tool.convert_lavt_checkpoint(
            {"model": {"backbone.layers.0.mystery.weight": 0}, "bert_model": {}}
        )
    with pytest.raises(KeyError, match="BERT"):
        tool.convert_lavt_checkpoint({"model": {}})


def _semires_file(path, official_model, bert, epoch, **args):
    """An official SemiRES file as its training scripts save it: LAVT's layout plus the
    optimizer and scheduler states and the pickled argparse.Namespace of the run."""
    import argparse

    namespace = argparse.Namespace(
        model="lavt",
        model_id="semires_refcoco_1pct",
        burn_in_ckpt="burn_in/model_best_lavt.pth",
        ema_rate=0.9996,
        unsup_lambda=1.0,
        img_size=480,
        **args,
    )
    torch.save(
        {
            "model": official_model,
            "bert_model": bert,
            "optimizer": {"state": {}},
            "epoch": epoch,
            "args": namespace,
            "lr_scheduler": {"last_epoch": 7},
        },
        path,
    )


def test_semires_teacher_and_student_files_load_into_semires_segmentor(tmp_path):
    """SemiRES (nini0919/SemiRES) saves teacher and student with LAVT's key names; the CLI reads
    them (Namespace included, weights_only) and writes teacher.* / student.* keys."""
    import subprocess
    import sys

    teacher_sd, student_sd = _official_lavt(), _official_lavt()
    for v in student_sd.values():
        if v.is_floating_point():
            v.add_(1.0)  # a student that differs from the teacher
    bert = _bert_state()
    teacher = tmp_path / "teacher_model_latest_x.pth"
    student = tmp_path / "student_model_latest_x.pth"
    _semires_file(teacher, teacher_sd, bert, epoch=7)
    _semires_file(student, student_sd, bert, epoch=7)
    dst = tmp_path / "semires.pth"
    subprocess.run(
        [
            sys.executable,
            str(_TOOL),
            str(teacher),
            str(dst),
            "--layout",
            "semires",
            "--student",
            str(student),
        ],
        check=True,
        env={"PYTHONPATH": str(_TOOL.parents[2])},
    )
    saved = torch.load(dst)
    assert saved["meta"]["layout"] == "semires"
    model = build(
        dict(
            type="SemiRESSegmentor",
            segmentor=tiny_lavt_cfg(with_preprocessor=False),
            pseudo_labeler=dict(type="SAMRefineLabeler", strategy="cpi"),
        )
    )
    model.load_state_dict(saved["state_dict"], strict=True)
    key = "backbone.layers.2.fusion.image_lang_att.f_query.0.weight"
    assert torch.equal(model.teacher.backbone.pwams[2].attention.query.weight, teacher_sd[key])
    assert torch.equal(model.student.backbone.pwams[2].attention.query.weight, student_sd[key])
    assert torch.equal(model.teacher.head.cls.weight, teacher_sd["classifier.conv1_1.weight"])


def test_semires_best_teacher_as_lavt_model(tmp_path):
    """The default layout turns SemiRES's model_best file into a LAVTSegmentor checkpoint (for a
    LAVT config or model.burn_in_checkpoint)."""
    official = _official_lavt()
    src = tmp_path / "model_best_x.pth"
    _semires_file(src, official, _bert_state(), epoch=3)
    ckpt = tool.load_official_checkpoint(str(src), safe_globals=[__import__("argparse").Namespace])
    state = tool.convert_lavt_checkpoint(ckpt)
    model = build(tiny_lavt_cfg(with_preprocessor=False))
    model.load_state_dict(state, strict=True)
    assert torch.equal(model.backbone.out_norms[1].weight, official["backbone.norm1.weight"])
    both = tool.semires_state(ckpt)
    assert torch.equal(both["student.head.cls.bias"], both["teacher.head.cls.bias"])


def test_student_without_semires_layout_is_refused(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(_TOOL), "a.pth", "b.pth", "--student", "c.pth"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(_TOOL.parents[2])},
    )
    assert proc.returncode == 2 and "--student needs --layout semires" in proc.stderr
