import torch

from risseg.models.necks import FiLMFusionNeck


def inputs():
    torch.manual_seed(0)
    imgs = [torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4)]
    words = torch.randn(2, 5, 3)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], dtype=torch.bool)
    return imgs, words, mask, torch.randn(2, 3)


def test_output_shapes():
    neck = FiLMFusionNeck(in_channels=(4, 6), text_channels=3, channels=7).eval()
    outs = neck(*inputs())
    assert [tuple(o.shape) for o in outs] == [(2, 7, 8, 8), (2, 7, 4, 4)]


def test_padded_words_are_ignored():
    neck = FiLMFusionNeck(in_channels=(4, 6), text_channels=3, channels=7).eval()
    imgs, words, mask, sent = inputs()
    other = words.clone()
    other[~mask] = 100.0
    for a, b in zip(neck(imgs, words, mask, sent), neck(imgs, other, mask, sent), strict=True):
        assert torch.allclose(a, b)


def test_position_is_visible_to_the_fusion():
    # A constant image: only the coordinate channels can make the output vary over space.
    neck = FiLMFusionNeck(in_channels=(4,), text_channels=3, channels=7).eval()
    _, words, mask, sent = inputs()
    out = neck([torch.ones(2, 4, 8, 8)], words, mask, sent)[0]
    assert not torch.allclose(out, out.flip(-1))
