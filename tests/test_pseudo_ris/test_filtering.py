"""Distinctiveness score and the release's filter rules."""

import pytest
import torch

from risseg.pseudo_ris.filtering import distinctiveness, keep_indices, noun_prompt


def test_distinctiveness_is_the_target_product_over_the_best_other():
    s_m = torch.tensor([[20.0, 10.0], [10.0, 30.0], [5.0, 10.0]])
    s_c = torch.tensor([[30.0, 20.0], [20.0, 10.0], [50.0, 10.0]])
    d = distinctiveness(s_m, s_c, 0)
    assert torch.allclose(d, torch.tensor([600 / 250, 200 / 300]))
    d1 = distinctiveness(s_m, s_c, 1)
    assert torch.allclose(d1, torch.tensor([200 / 600, 300 / 200]))
    assert torch.equal(distinctiveness(s_m[:1], s_c[:1], 0), s_m[0])  # one mask: S_m


def test_release_rules():
    assert keep_indices([0.5, 1.2, 1.0, 3.0], one_mask=False) == [1, 3]  # D > 1 strictly
    assert keep_indices([0.5, 0.9], one_mask=False) == [0, 1]  # none pass -> all
    assert keep_indices([3.0, 1.0, 4.0, 2.0], one_mask=True) == [0, 2]  # top half by D
    assert keep_indices([3.0, 1.0, 4.0, 2.0], one_mask=False, rule="top_k", k=3) == [0, 2, 3]
    with pytest.raises(ValueError, match="rule"):
        keep_indices([1.0], one_mask=False, rule="best")


def test_noun_prompt():
    assert noun_prompt("dog") == "a photo of a dog"
    assert noun_prompt("the red star") == "a photo of the red star"
