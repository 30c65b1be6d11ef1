import pytest
import torch

import risseg.models.backbones.swin_pwam as swin_pwam_module
from risseg.models.backbones import SwinPWAM, convert_official_swin_keys

TINY = dict(
    embed_dim=8,
    depths=(1, 1, 2, 1),
    num_heads=(1, 1, 2, 2),
    window_size=4,
    drop_path_rate=0.0,
    text_dim=6,
)


def _official_swin_state(embed_dim=8, depths=(1, 1, 2, 1), num_heads=(1, 1, 2, 2), window=4):
    """A state dict with the names and shapes of the official Swin release (microsoft/Swin)."""
    sd = {
        "patch_embed.proj.weight": torch.randn(embed_dim, 3, 4, 4),
        "patch_embed.proj.bias": torch.randn(embed_dim),
        "patch_embed.norm.weight": torch.randn(embed_dim),
        "patch_embed.norm.bias": torch.randn(embed_dim),
    }
    for i, (depth, heads) in enumerate(zip(depths, num_heads, strict=False)):
        c = embed_dim * 2**i
        for j in range(depth):
            p = f"layers.{i}.blocks.{j}."
            sd.update(
                {
                    p + "norm1.weight": torch.randn(c),
                    p + "norm1.bias": torch.randn(c),
                    p + "attn.relative_position_bias_table": torch.randn(
                        (2 * window - 1) ** 2, heads
                    ),
                    p + "attn.relative_position_index": torch.zeros(window**2, window**2).long(),
                    p + "attn.qkv.weight": torch.randn(3 * c, c),
                    p + "attn.qkv.bias": torch.randn(3 * c),
                    p + "attn.proj.weight": torch.randn(c, c),
                    p + "attn.proj.bias": torch.randn(c),
                    p + "norm2.weight": torch.randn(c),
                    p + "norm2.bias": torch.randn(c),
                    p + "mlp.fc1.weight": torch.randn(4 * c, c),
                    p + "mlp.fc1.bias": torch.randn(4 * c),
                    p + "mlp.fc2.weight": torch.randn(c, 4 * c),
                    p + "mlp.fc2.bias": torch.randn(c),
                }
            )
            if j % 2:
                sd[p + "attn_mask"] = torch.zeros(4, window**2, window**2)
        if i < len(depths) - 1:
            sd[f"layers.{i}.downsample.reduction.weight"] = torch.randn(2 * c, 4 * c)
            sd[f"layers.{i}.downsample.norm.weight"] = torch.randn(4 * c)
            sd[f"layers.{i}.downsample.norm.bias"] = torch.randn(4 * c)
    c_last = embed_dim * 2 ** (len(depths) - 1)
    sd.update(
        {
            "norm.weight": torch.randn(c_last),
            "norm.bias": torch.randn(c_last),
            "head.weight": torch.randn(10, c_last),
            "head.bias": torch.randn(10),
        }
    )
    return {"model": sd}


def test_shapes_and_padded_windows():
    model = SwinPWAM(**TINY).eval()
    text, mask = torch.randn(2, 5, 6), torch.ones(2, 5, dtype=torch.bool)
    for size in (64, 96):  # 96: stage sides 24, 12, 6, 3 are not all multiples of the window
        outs = model(torch.randn(2, 3, size, size), text, mask)
        assert [o.shape for o in outs] == [
            (2, 8 * 2**i, size // 2 ** (i + 2), size // 2 ** (i + 2)) for i in range(4)
        ]
    with pytest.raises(ValueError, match="multiples of 4"):
        model(torch.randn(1, 3, 30, 30), text[:1], mask[:1])


def test_stages_use_the_official_pad_then_shift_window_order(monkeypatch):
    """At 128 px the stage sides 32/16/8/4 are multiples of the window 4, so timm's own
    shift-then-pad block forward gives the same maps (the toy SynthRef setting); at 112 px the
    third stage (side 7, two blocks) is not, and there the orders differ."""
    torch.manual_seed(0)
    model = SwinPWAM(**TINY).eval()
    with torch.no_grad():  # attention far from uniform, so window membership matters
        for p in model.layers.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    text, mask = torch.randn(1, 5, 6), torch.ones(1, 5, dtype=torch.bool)
    images = {size: torch.randn(1, 3, size, size) for size in (128, 112)}
    with torch.no_grad():
        ours = {size: model(img, text, mask) for size, img in images.items()}
        monkeypatch.setattr(swin_pwam_module, "swin_stage_pad_shift", lambda stage, x: stage(x))
        timm = {size: model(img, text, mask) for size, img in images.items()}
    for a, b in zip(ours[128], timm[128], strict=True):
        assert torch.allclose(a, b, atol=1e-5)
    for a, b in zip(ours[112][:2], timm[112][:2], strict=True):  # sides 28, 14 (unshifted)
        assert torch.allclose(a, b, atol=1e-5)
    assert (ours[112][2] - timm[112][2]).abs().max() > 1e-2  # side 7, shifted block: differs


def test_decoder_gets_normalised_pwam_output_not_gated_stream():
    model = SwinPWAM(**TINY).eval()
    captured = {}
    model.pwams[0].register_forward_hook(lambda m, i, o: captured.setdefault("f", o))
    outs = model(
        torch.randn(1, 3, 64, 64), torch.randn(1, 5, 6), torch.ones(1, 5, dtype=torch.bool)
    )
    expected = model.out_norms[0](captured["f"])  # (1, N, C)
    assert torch.allclose(outs[0].flatten(2).transpose(1, 2), expected, atol=1e-6)


def test_every_trainable_parameter_gets_a_gradient_and_the_last_gate_is_frozen():
    """The last stage's gated stream feeds nothing: its gate is kept (checkpoints) but frozen,
    so DDP without find_unused_parameters can train the encoder."""
    model = SwinPWAM(**TINY)
    outs = model(
        torch.randn(2, 3, 64, 64), torch.randn(2, 5, 6), torch.ones(2, 5, dtype=torch.bool)
    )
    sum(o.square().mean() for o in outs).backward()
    assert not any(p.requires_grad for p in model.gates[3].parameters())
    assert all(p.requires_grad for g in model.gates[:3] for p in g.parameters())
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing
    assert "gates.3.fc1.weight" in model.state_dict()


def test_zero_gates_leave_visual_stream_unchanged():
    torch.manual_seed(0)
    model = SwinPWAM(**TINY, zero_init_gate=True).eval()
    img = torch.randn(1, 3, 64, 64)
    mask = torch.ones(1, 5, dtype=torch.bool)
    streams = []  # the last Swin stage's output, as the last PWAM receives it
    model.pwams[3].register_forward_pre_hook(lambda m, args: streams.append(args[0]))
    model(img, torch.randn(1, 5, 6), mask)
    model(img, torch.randn(1, 5, 6), mask)
    assert torch.equal(streams[0], streams[1])  # text never leaks into the Swin stream


def test_convert_official_swin_keys_loads_strictly_into_timm_stages():
    official = _official_swin_state()
    converted = convert_official_swin_keys(official)
    assert "layers.1.downsample.reduction.weight" in converted
    assert "layers.0.downsample.reduction.weight" not in converted
    assert not any(
        k.startswith(("head.", "norm.")) or "attn_mask" in k or "position_index" in k
        for k in converted
    )
    model = SwinPWAM(**TINY)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert unexpected == []
    assert all(k.startswith(("pwams.", "gates.", "out_norms.")) for k in missing)
    src = official["model"]["layers.2.downsample.reduction.weight"]
    assert torch.equal(model.layers[3].downsample.reduction.weight, src)


def test_patch_merging_order_matches_official():
    """timm's merging must concatenate (x0, x1, x2, x3) like the official Swin."""
    model = SwinPWAM(**TINY)
    merge = model.layers[1].downsample
    x = torch.randn(1, 4, 4, 8)  # (B, H, W, C)
    x0, x1, x2, x3 = x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]
    ref = merge.reduction(merge.norm(torch.cat([x0, x1, x2, x3], -1)))
    assert torch.allclose(merge(x), ref, atol=1e-6)


def test_pretrained_path(tmp_path):
    path = tmp_path / "swin_official.pth"
    torch.save(_official_swin_state(), path)
    model = SwinPWAM(**TINY, pretrained=str(path))
    model.init_weights()
    assert torch.equal(
        model.patch_embed.proj.bias, torch.load(path)["model"]["patch_embed.proj.bias"]
    )
    bad = tmp_path / "bad.pth"
    torch.save({"model": {"foo.weight": torch.zeros(1)}}, bad)
    with pytest.raises(KeyError, match="bad.pth"):
        SwinPWAM(**TINY, pretrained=str(bad)).init_weights()
