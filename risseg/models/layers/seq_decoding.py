"""Greedy decoding of the SeqTR head, one position at a time with cached projections.

With a causal mask the states of earlier positions never change, so each decoder layer keeps
their self-attention keys and values in a cache (updated in place) and the memory's keys and
values are projected once per image: O(T) work per step and no projection computed twice
(:meth:`risseg.models.layers.seq_transformer.SeqDecoderLayer.forward_step`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from risseg.models.layers.seq_transformer import SeqDecoderLayer


def greedy_decode(
    layers: Sequence[SeqDecoderLayer],
    enc: dict,
    start: Tensor,
    positions: Tensor,
    *,
    readout: Callable[[Tensor], Tensor],
    embed: Callable[[Tensor, int], Tensor],
    end: int,
    allow_end_from: int | None,
) -> Tensor:
    """Decode ``len(positions)`` tokens greedily.

    Args:
        layers: the decoder layers.
        enc: the head's encoder output (``memory``, ``pos``, ``padding_mask``, ``feat_shape``,
            ``valid_ratio``).
        start: (B, 1, d) input embedding at position 0.
        positions: (T, d) positional codes of the T positions.
        readout: decoder state (B, 1, d) -> logits (B, 1, V) (final norm and predictor).
        embed: (token (B,) long, step) -> (B, 1, d) input embedding of the next position.
        end: the END token; once a sample emits it, the rest of its row stays END.
        allow_end_from: first step at which END may be chosen; None never allows it (logits
            are restricted to the ``end`` coordinate bins).

    Returns:
        (B, T) long tokens.
    """
    b, steps = start.shape[0], positions.shape[0]
    memory_kv = [layer.memory_kv(enc["memory"], enc["pos"]) for layer in layers]
    caches: list[dict[str, Tensor]] = [{} for _ in layers]
    x = start
    out = start.new_full((b, steps), end, dtype=torch.long)
    done = torch.zeros(b, dtype=torch.bool, device=start.device)
    for step in range(steps):
        state = x
        for layer, cache, kv in zip(layers, caches, memory_kv, strict=True):
            state = layer.forward_step(
                state,
                positions[step : step + 1],
                cache,
                kv,
                enc["padding_mask"],
                feat_shape=enc["feat_shape"],
                valid_ratio=enc["valid_ratio"],
            )
        logits = readout(state)[:, -1]  # (B, 1, V) -> (B, V)
        if allow_end_from is None or step < allow_end_from:
            logits = logits[:, :end]  # END not allowed (yet)
        token = logits.argmax(-1).masked_fill(done, end)  # (B,)
        out[:, step] = token
        done |= token == end
        if bool(done.all()) or step == steps - 1:
            break
        x = embed(token, step)
    return out
