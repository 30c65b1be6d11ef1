import torch

from risseg.models.layers import PWAM, LanguageGate


def _inputs(b=2, n=12, c=8, length=6, c_l=5):
    torch.manual_seed(0)
    x = torch.randn(b, n, c)
    text = torch.randn(b, length, c_l)
    mask = torch.ones(b, length, dtype=torch.bool)
    mask[:, 3:] = False
    return x, text, mask


def test_pwam_shape_and_heads():
    x, text, mask = _inputs()
    for heads in (1, 2, 4):
        out = PWAM(8, 5, num_heads=heads)(x, text, mask)
        assert out.shape == x.shape
        assert torch.isfinite(out).all()


def test_padded_words_have_no_effect():
    x, text, mask = _inputs()
    pwam = PWAM(8, 5, num_heads=2).eval()
    ref = pwam(x, text, mask)
    garbage = text.clone()
    garbage[:, 3:] = 1e3 * torch.randn_like(garbage[:, 3:])
    assert torch.allclose(pwam(x, garbage, mask), ref, atol=1e-5)
    # Dropping the padded positions altogether gives the same result.
    assert torch.allclose(pwam(x, text[:, :3], mask[:, :3]), ref, atol=1e-5)


def test_real_words_do_matter():
    x, text, mask = _inputs()
    pwam = PWAM(8, 5).eval()
    changed = text.clone()
    changed[:, 0] += 3.0
    assert not torch.allclose(pwam(x, changed, mask), pwam(x, text, mask))


def test_gate_zero_init_is_identity():
    torch.manual_seed(0)
    x, fused = torch.randn(2, 12, 8), torch.randn(2, 12, 8)
    assert torch.equal(LanguageGate(8, zero_init=True)(x, fused), x)
    gated = LanguageGate(8)(x, fused)
    assert not torch.allclose(gated, x)
    # tanh bounds the gate: |X' - X| <= |F|
    assert ((gated - x).abs() <= fused.abs() + 1e-6).all()
