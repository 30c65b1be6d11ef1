"""Mask-free pretraining data from a SynthRef corpus: the stand-in for ImageNet and BERT.

Real LAVT starts from a Swin pretrained on ImageNet-22k classification and a BERT pretrained
by masked language modelling; neither ever saw a referring mask. On SynthRef the analogue is a
*separately generated* corpus (another seed, so no image of the benchmark) used only through
image-level labels (which shapes and colours appear, ImageNet-style classes) and through its
expressions as plain text. ``tools/pretrain_synthref_encoders.py`` trains on both.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def attribute_targets(attributes: dict) -> tuple[list[int], np.ndarray, list[str]]:
    """Image-level multi-label targets from a SynthRef ``attributes.json``.

    Classes are every shape, every colour and every (colour, shape) pair seen in the corpus;
    an image is positive for each one of its objects shows.

    Args:
        attributes: the parsed ``attributes.json`` (``images[i].objects[j]`` with ``shape``
            and ``colour``).

    Returns:
        image ids (N,), targets float32 (N, K) in {0, 1}, and the K class names
        (``shape:<s>``, ``colour:<c>``, ``pair:<c> <s>``).
    """
    images = attributes.get("images")
    if not images:
        raise ValueError("attributes.json has no 'images': is it a SynthRef side file?")
    shapes, colours = set(), set()
    for img in images:
        for obj in img["objects"]:
            shapes.add(obj["shape"])
            colours.add(obj["colour"])
    names = [f"shape:{s}" for s in sorted(shapes)] + [f"colour:{c}" for c in sorted(colours)]
    names += [f"pair:{c} {s}" for c in sorted(colours) for s in sorted(shapes)]
    index = {n: i for i, n in enumerate(names)}
    targets = np.zeros((len(images), len(names)), np.float32)
    for row, img in enumerate(images):
        for obj in img["objects"]:
            s, c = obj["shape"], obj["colour"]
            for name in (f"shape:{s}", f"colour:{c}", f"pair:{c} {s}"):
                targets[row, index[name]] = 1.0
    return [img["image_id"] for img in images], targets, names


def mask_tokens(
    ids: Tensor,
    mask: Tensor,
    mask_id: int,
    num_words: int,
    first_word_id: int = 3,
    prob: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """BERT's masked-language-model corruption of a batch of token ids.

    Each real token is chosen with probability ``prob``; a chosen token becomes ``mask_id``
    (80 %), a random word (10 %) or stays (10 %). Every sequence gets at least one chosen
    token, so each contributes to the loss.

    Args:
        ids: (B, L) long token ids.
        mask: (B, L) bool, True on real tokens.
        mask_id: the id used as [MASK] (outside the tokenizer's ids).
        num_words: random replacements are drawn from [first_word_id, num_words).
        first_word_id: first id that is a word (after PAD / UNK / CLS).
        prob: selection probability.
        generator: optional torch generator.

    Returns:
        corrupted ids (B, L) and labels (B, L): the original id where chosen, -100 elsewhere.
    """
    if not mask.any(dim=1).all():
        raise ValueError("mask_tokens: every sequence needs at least one real token.")
    rand = torch.rand(ids.shape, generator=generator)
    chosen = (rand < prob) & mask
    # force one choice in sequences that drew none: their real token with the smallest draw
    none = ~chosen.any(dim=1)
    if none.any():
        forced = rand.masked_fill(~mask, 2.0).argmin(dim=1)
        chosen[none, forced[none]] = True
    labels = ids.masked_fill(~chosen, -100)
    how = torch.rand(ids.shape, generator=generator)
    out = ids.clone()
    out[chosen & (how < 0.8)] = mask_id
    random_words = torch.randint(first_word_id, num_words, ids.shape, generator=generator)
    swap = chosen & (how >= 0.8) & (how < 0.9)
    out[swap] = random_words[swap]
    return out, labels
