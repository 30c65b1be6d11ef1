"""OpenCLIPTextEncoder against open_clip's own encode_text (tiny config, random weights)."""

from __future__ import annotations

import copy

import open_clip
import pytest
import torch
from safetensors.torch import save_file

from risseg.models.text_encoders.open_clip_text import OpenCLIPTextEncoder
from risseg.testing import TextEncoderContract
from risseg.testing.tiny_open_clip import TINY_CLIP_RN, register_tiny_open_clip

register_tiny_open_clip()
TINY = "risseg-tiny-clip-rn"


class TestOpenCLIPTextEncoder(TextEncoderContract):
    cfg = dict(type="OpenCLIPTextEncoder", model_name=TINY, context_length=20)


def clip_ids(lengths: list[int], total: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``<SOT> words <EOT> 0 ...`` of the given lengths (counting SOT and EOT)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(len(lengths), total, dtype=torch.long)
    for i, n in enumerate(lengths):
        ids[i, 0], ids[i, n - 1] = 49406, 49407
        ids[i, 1 : n - 1] = torch.randint(1, 49000, (n - 2,), generator=g)
    return ids, ids != 0


def test_sentence_and_words_equal_open_clip_with_a_shorter_context(tmp_path):
    torch.manual_seed(5)
    clip = open_clip.create_model(TINY, pretrained=None).eval()
    path = tmp_path / "clip.safetensors"
    save_file({k: v.contiguous() for k, v in clip.state_dict().items()}, path)
    enc = OpenCLIPTextEncoder(TINY, checkpoint=str(path), context_length=17).eval()
    ids, mask = clip_ids([5, 17, 9], 17)
    full = torch.nn.functional.pad(ids, (0, 77 - 17))  # open_clip always reads 77 tokens
    with torch.no_grad():
        words, out_mask, sentence = enc(ids, mask)
        torch.testing.assert_close(sentence, clip.encode_text(full), atol=1e-5, rtol=1e-4)
        x = clip.token_embedding(full) + clip.positional_embedding
        want_words = clip.ln_final(clip.transformer(x, attn_mask=clip.attn_mask))[:, :17]
    torch.testing.assert_close(words, want_words, atol=1e-5, rtol=1e-4)
    assert torch.equal(out_mask, mask)
    assert enc.positional_embedding.shape[0] == 17


def test_widths_of_words_and_sentence():
    cfg = copy.deepcopy(TINY_CLIP_RN)
    cfg["embed_dim"] = 24
    open_clip.factory._MODEL_CONFIGS["risseg-test-text-24"] = cfg
    enc = OpenCLIPTextEncoder("risseg-test-text-24", context_length=8)
    words, _, sentence = enc(*clip_ids([4, 8], 8))
    assert (enc.width, enc.embed_dim, enc.out_channels) == (16, 24, 16)
    assert words.shape == (2, 8, 16) and sentence.shape == (2, 24)


def test_too_long_input_and_bad_context_are_errors():
    enc = OpenCLIPTextEncoder(TINY, context_length=4)
    with pytest.raises(ValueError, match="context_length 4"):
        enc(*clip_ids([5], 5))
    with pytest.raises(ValueError, match="outside 1..77"):
        OpenCLIPTextEncoder(TINY, context_length=78)


def test_frozen_encoder_has_no_trainable_weights():
    enc = OpenCLIPTextEncoder(TINY, frozen=True)
    assert not any(p.requires_grad for p in enc.parameters())
