"""BilateralPrompt: shapes, and each side attends to the other."""

from __future__ import annotations

import torch

from risseg.models.layers.bilateral_prompt import BilateralPrompt


def test_shapes():
    torch.manual_seed(0)
    layer = BilateralPrompt(16)
    vis_p, lang_p = layer(torch.randn(2, 16, 5, 4), torch.randn(2, 3, 16))
    assert vis_p.shape == (2, 16, 5, 4) and lang_p.shape == (2, 3, 16)


def test_visual_prompt_depends_on_the_sentences_and_text_prompt_on_the_pixels():
    torch.manual_seed(0)
    layer = BilateralPrompt(8).eval()
    vis, lang = torch.randn(1, 8, 4, 4), torch.randn(1, 2, 8)
    v0, t0 = layer(vis, lang)
    v1, t1 = layer(vis, lang.flip(-1))
    v2, t2 = layer(torch.randn(1, 8, 4, 4), lang)
    assert not torch.allclose(v0, v1) and not torch.allclose(t0, t2)
    # pixels form a set for the text side: permuting them leaves the text prompt unchanged
    _, t_perm = layer(vis.flip(-1), lang)
    assert torch.allclose(t0, t_perm, atol=1e-6)
    # a sentence's prompt depends on that sentence and the pixels only
    _, t3 = layer(vis, torch.cat([lang[:, :1], torch.randn(1, 1, 8)], dim=1))
    assert torch.allclose(t0[:, 0], t3[:, 0], atol=1e-6)
