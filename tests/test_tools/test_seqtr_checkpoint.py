"""The SeqTR converter maps the official SeqTR / Partial-RES names onto SeqTRSegmentor."""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from risseg.registry import MODELS

_ROOT = Path(__file__).parents[2]
_TOOL = _ROOT / "tools" / "convert" / "seqtr_checkpoint.py"
_spec = importlib.util.spec_from_file_location("seqtr_checkpoint", _TOOL)
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)
_KEYS = Path(__file__).parent / "data" / "partial_res_official_keys.txt"
_VOCAB = 50  # rows of lan_enc.embedding.weight in the key list


@pytest.fixture(autouse=True)
def _risseg_scope():
    init_default_scope("risseg")


def _official(partial_res: bool, fill: bool = True) -> dict[str, torch.Tensor]:
    """Random tensors with the official names and shapes (tests/test_tools/data)."""
    g = torch.Generator().manual_seed(0)
    sd = {}
    for line in _KEYS.read_text().splitlines():
        if line.startswith("#"):
            continue
        name, shape = line.split(" ", 1)
        if not partial_res and (".point." in name or "task_prompt" in name):
            continue
        shape = tuple(int(s) for s in shape.strip("()").split(",") if s.strip())
        sd[name] = torch.randn(shape, generator=g) if fill else torch.empty(shape)
    return sd


def _risseg_shapes(partial_res: bool, num_points: int) -> dict[str, tuple]:
    """Names and shapes of the full-size RefCOCO SeqTRSegmentor (built on the meta device)."""
    cfg = Config.fromfile(str(_ROOT / "configs" / "seqtr" / "segm_refcoco.py")).model
    cfg.backbone.pretrained = None
    cfg.text_encoder.vocab_size = _VOCAB
    cfg.head.num_points = num_points
    if partial_res:
        cfg.neck.return_text_token = True
        cfg.head.update(language_token=True, task_prompt=True, cctf=True, point_bias=True)
    with torch.device("meta"):
        model = MODELS.build(cfg)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("partial_res", [False, True])
def test_every_official_tensor_lands_on_a_risseg_tensor_of_its_shape(partial_res):
    official = _official(partial_res, fill=False)
    converted = tool.convert_seqtr_state_dict(official)
    # the list's sequence length: 2 * num_ray + 1 positions (Partial-RES hard-codes num_ray 12)
    num_points = (
        official["head.transformer.seq_positional_encoding.embedding.weight"].shape[0] - 1
    ) // 2
    expected = _risseg_shapes(partial_res, num_points)
    assert {k: tuple(v.shape) for k, v in converted.items()} == expected


def test_values_are_moved_not_changed_and_conv_weight_is_squeezed():
    official = {f"module.{k}": v for k, v in _official(False).items()}  # DDP prefix
    ckpt = dict(state_dict=official, ema_state_dict={k: v + 1 for k, v in official.items()})
    out = tool.convert_seqtr_checkpoint(ckpt)
    proj = official["module.head.transformer.input_proj.conv.weight"]
    assert torch.equal(out["head.input_proj.weight"], proj[..., 0])
    assert torch.equal(out["head.predictor.4.bias"], official["module.head.predictor.2.fc.bias"])
    assert torch.equal(
        out["neck.down2.conv.weight"], official["module.fusion.down_mid2top.1.conv.weight"]
    )
    assert torch.equal(
        out["head.decoder.1.cross_attn.in_proj_weight"],
        official["module.head.transformer.decoder.layers.1.multihead_attn.in_proj_weight"],
    )
    ema = tool.convert_seqtr_checkpoint(ckpt, ema=True)
    assert torch.equal(ema["head.decoder_norm.weight"], out["head.decoder_norm.weight"] + 1)


def test_unknown_keys_and_layouts_are_clear_errors():
    with pytest.raises(KeyError, match="task_embedding"):
        tool.convert_key("head.task_embedding.weight")  # the multi-task model
    with pytest.raises(KeyError, match="ema_state_dict"):
        tool.convert_seqtr_checkpoint(dict(state_dict={}), ema=True)
    bad = _official(False, fill=False)
    bad["head.transformer.input_proj.conv.weight"] = torch.empty(256, 1024, 3, 3)
    with pytest.raises(ValueError, match="input_proj"):
        tool.convert_seqtr_state_dict(bad)


def test_cli_writes_load_from_checkpoint_and_vocabulary(tmp_path):
    state = {k: v for k, v in _official(False).items() if not k.startswith("vis_enc")}
    torch.save(dict(state_dict=state, epoch=3, lr=0.1, amp=False), tmp_path / "segm_best.pth")
    words = {"PAD": 0, "UNK": 1, "CLS": 2, **{f"w{i}": i for i in range(3, _VOCAB)}}
    (tmp_path / "token_to_ix.pkl").write_bytes(pickle.dumps(words))
    cmd = [
        sys.executable,
        str(_TOOL),
        str(tmp_path / "segm_best.pth"),
        str(tmp_path / "out.pth"),
        "--token-to-ix",
        str(tmp_path / "token_to_ix.pkl"),
        "--vocab-out",
        str(tmp_path / "vocab.json"),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=_ROOT, check=False)
    assert res.returncode == 0, res.stderr
    assert f"vocab_size={_VOCAB}" in res.stdout
    out = torch.load(tmp_path / "out.pth", weights_only=True)
    assert set(out["state_dict"]) == set(tool.convert_seqtr_state_dict(state))
    from risseg.datasets.tokenizers import WordVocabTokenizer

    assert WordVocabTokenizer(str(tmp_path / "vocab.json")).token2idx == words


def test_vocabulary_pickle_may_not_hold_code(tmp_path):
    path = tmp_path / "token_to_ix.pkl"
    path.write_bytes(pickle.dumps({"PAD": 0, "UNK": 1, "x": Path("y")}))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        tool.load_token_to_ix(str(path))


def test_point_bias_rows_follow_the_release_layout():
    """The release's point MLP gives all heads' centres (x, y), then all heads' scales; after
    conversion PointGaussianBias reproduces the release's bias, written out here per head."""
    from risseg.models.layers.point_gaussian_bias import PointGaussianBias

    heads, (h, w), ratio = 8, (2, 3), (1.0, 0.5)
    bias = torch.randn(4 * heads, generator=torch.Generator().manual_seed(3))
    name = "head.transformer.decoder.layers.0.point."
    official = {name + "4.weight": torch.zeros(4 * heads, 64), name + "4.bias": bias}
    converted = tool.convert_seqtr_state_dict({**_official(True, fill=False), **official})
    layer = PointGaussianBias(256, heads)
    layer.mlp[4].load_state_dict(
        {
            k.rsplit(".", 1)[1]: v
            for k, v in converted.items()
            if k.startswith("head.decoder.0.point_bias.mlp.4.")
        }
    )
    with torch.no_grad():
        out = layer(torch.zeros(1, 1, 256), (h, w), torch.tensor([ratio]), h * w + 1)  # (8, 1, 7)
    for head in range(heads):
        cx = torch.sigmoid(bias[2 * head]) * w * ratio[0]
        cy = torch.sigmoid(bias[2 * head + 1]) * h * ratio[1]
        sx, sy = bias[2 * heads + 2 * head], bias[2 * heads + 2 * head + 1]
        for gy in range(h):
            for gx in range(w):
                expected = -(sx**2 * (cx - gx - 0.5) ** 2 + sy**2 * (cy - gy - 0.5) ** 2) / 8
                assert float(out[head, 0, gy * w + gx]) == pytest.approx(float(expected), abs=1e-5)
        assert out[head, 0, h * w] == 0  # the language token gets no bias
    with pytest.raises(ValueError, match="4 outputs per head"):
        tool.point_rows(torch.zeros(30), "point.4.bias")
