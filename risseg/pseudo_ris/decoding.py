"""Batched caption sampling for Pseudo-RIS: every sample of an image in one decoding loop.

The 40 sampled candidates of a mask (4 views x (5 top-k + 5 top-p)) are independent draws, so
they are decoded together: one row per (view, setting, mask), each row with its own top-k or
top-p setting (:func:`candidates`, the transformers warpers row by row). Distinctive sampling
contrasts a row with the other masks *of its view* (the masks of one view form a group).

What makes it fast, with the same distributions as one ``caption`` call per setting:

- each step decodes the distinct ``(prefix, crop)`` pairs once (:func:`unique_step`): rows
  share prefixes (all start with the start token, samples of a mask often agree on their
  first words), and a row's prefix with every crop of its group gives its own hidden state
  and the other masks' in one call;
- the vocabulary projection runs for the last position only (:class:`CoCaDecoder`), and for
  the other masks only at the few tokens the target's filter keeps: the projection is
  linear, so the similarity-weighted mean of the others' logits is the projection of the
  weighted mean of their hidden states;
- sampling works on the kept tokens (at most ``K`` per row), not the whole vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from risseg.foundation.captioner import StepFn
from risseg.pseudo_ris.distinctive import DistinctiveSampling, contrast_probs


class CoCaDecoder:
    """Next-token hidden states and logits of an open_clip CoCa ``model`` for prefixes paired
    with cached image embeddings.

    The decoder runs with its output projection replaced by the identity
    (``torch.func.functional_call``), so one call yields the final-norm hidden state ``h``
    of every prefix; ``h @ projection`` are the logits of the full forward. Projecting only
    the last position, or only some vocabulary columns, is what saves the time: the
    vocabulary projection is most of the cost of a small decoder.

    Args:
        model: an open_clip ``CoCa`` in eval mode.
        image_embs: ``(N, T, C)`` image token embeddings of the ``N`` crops.
    """

    def __init__(self, model: torch.nn.Module, image_embs: torch.Tensor) -> None:
        self.model, self.image_embs = model, image_embs
        self.projection = model.text_decoder.text_projection  # (W, V)
        width = self.projection.shape[0]
        self._identity = torch.eye(width, dtype=self.projection.dtype, device=image_embs.device)

    def hidden(self, tokens: torch.Tensor, image_index: torch.Tensor) -> torch.Tensor:
        """``(R, W)`` last-position hidden states of ``tokens (R, t)`` with crops ``(R,)``."""
        _, token_embs = self.model._encode_text(tokens)
        out = torch.func.functional_call(
            self.model.text_decoder,
            {"text_projection": self._identity},
            (self.image_embs[image_index], token_embs),
        )
        return out[:, -1].float()

    def logits(self, tokens: torch.Tensor, image_index: torch.Tensor) -> torch.Tensor:
        """``(R, V)`` next-token logits (a ``step`` function of the decoding loops)."""
        return self.hidden(tokens, image_index) @ self.projection.float()


def unique_step(step: StepFn) -> StepFn:
    """``step`` evaluated once per distinct ``(prefix, image)`` pair of the batch."""

    def wrapped(tokens: torch.Tensor, image_index: torch.Tensor) -> torch.Tensor:
        keys = torch.cat([image_index[:, None], tokens], dim=1)
        uniq, inverse = torch.unique(keys, dim=0, return_inverse=True)
        if len(uniq) == len(keys):
            return step(tokens, image_index)
        return step(uniq[:, 1:], uniq[:, 0])[inverse]

    return wrapped


def candidates(
    logits: torch.Tensor, top_k: torch.Tensor, top_p: torch.Tensor, start: int = 64
) -> tuple[torch.Tensor, torch.Tensor]:
    """The tokens a per-row top-k or top-p filter keeps, as transformers'
    ``TopKLogitsWarper`` / ``TopPLogitsWarper`` (up to ties of equal logits).

    Only the ``K`` best tokens of each row are sorted (``K`` doubles from ``start`` until
    every top-p row's nucleus fits), not the whole vocabulary.

    Args:
        logits: ``(R, V)``.
        top_k: ``(R,)`` long, ``0`` for a top-p row.
        top_p: ``(R,)`` float, ``1.0`` for a top-k row.
        start: first ``K`` tried for top-p rows.

    Returns:
        ``values (R, K)`` (``-inf`` for tokens filtered out) and their token ids ``(R, K)``.
    """
    is_k, is_p = top_k > 0, top_p < 1.0
    if bool((is_k == is_p).any()):
        raise ValueError("each row needs exactly one of top_k > 0 and top_p < 1")
    vocab = logits.shape[1]
    k = min(int(top_k.max()), vocab)
    if bool(is_p.any()):
        k = max(k, min(start, vocab))
        log_norm = logits[is_p].logsumexp(dim=1, keepdim=True)
    while True:
        values, ids = logits.topk(k, dim=1)
        keep = torch.ones_like(values, dtype=torch.bool)
        if bool(is_k.any()):
            kth = values[is_k].gather(1, (top_k[is_k].clamp(max=k) - 1)[:, None])
            keep[is_k] = values[is_k] >= kth
        if bool(is_p.any()):
            cum = (values[is_p] - log_norm).exp().cumsum(dim=1)
            # a token stays while the mass of the better tokens is below top_p (HF's
            # ascending rule); the best token always stays
            keep[is_p] = torch.cat([cum.new_zeros(len(cum), 1), cum[:, :-1]], 1) < top_p[is_p, None]
            if k < vocab and bool((cum[:, -1] < top_p[is_p]).any()):
                k = min(2 * k, vocab)  # some nucleus is larger than k tokens
                continue
        return values.masked_fill(~keep, -float("inf")), ids


def sample_rows(
    decoder: CoCaDecoder,
    image_latent: torch.Tensor,
    image_index: torch.Tensor,
    group_size: int,
    top_k: torch.Tensor,
    top_p: torch.Tensor,
    *,
    eos_id: int,
    sot_id: int,
    pad_id: int,
    max_len: int = 30,
    min_len: int = 5,
    distinctive: DistinctiveSampling | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Sample one caption per row, every row in one loop (temperature 1).

    Args:
        decoder: the captioner's decoder with the crops' image embeddings.
        image_latent: ``(N, D)`` L2-normalised latents of the ``N`` crops; crops
            ``[g * group_size, (g + 1) * group_size)`` are the masks of one view.
        image_index: ``(R,)`` long, the crop each row decodes.
        group_size: masks per view ``M``.
        top_k, top_p: ``(R,)`` per-row settings (:func:`candidates`).
        sot_id, eos_id, pad_id, max_len, min_len: as
            :func:`risseg.foundation.captioner.sample_loop`.
        distinctive: contrast each row with the other masks of its view (applied when
            ``distinctive.min_masks <= M <= distinctive.max_masks``); ``None`` samples plainly.
        generator: random generator.

    Returns:
        ``(R, L)`` token ids, start token first, ``pad_id`` after the end token.
    """
    m, rows, device = group_size, len(image_index), image_latent.device
    contrast = distinctive is not None and distinctive.min_masks <= m <= distinctive.max_masks
    temperature = distinctive.temperature if contrast else 1.0
    hidden = unique_step(decoder.hidden)
    proj = decoder.projection.float()
    sim = image_latent.float() @ image_latent.float().T
    tokens = torch.full((rows, 1), sot_id, dtype=torch.long, device=device)
    done = torch.zeros(rows, dtype=torch.bool, device=device)
    for _ in range(max_len - 1):
        run = torch.nonzero(~done, as_tuple=True)[0]
        target, mean_other = _row_hidden(hidden, tokens[run], image_index[run], m, sim, contrast)
        logits = target @ proj
        if tokens.shape[1] < min_len:
            logits[:, eos_id] = -float("inf")
        values, ids = candidates(logits, top_k[run], top_p[run])
        if contrast:  # the others' mean logits, at the candidate tokens only
            other = torch.einsum("rw,wrk->rk", mean_other, proj[:, ids])
            probs = contrast_probs(values, other, ids == eos_id, temperature)
        else:
            probs = torch.softmax(values, dim=-1)
        nxt = torch.full((rows,), pad_id, dtype=torch.long, device=device)
        nxt[run] = ids.gather(1, torch.multinomial(probs, 1, generator=generator)).squeeze(1)
        if tokens.shape[1] + 1 == max_len:
            nxt[run] = eos_id
        tokens = torch.cat([tokens, nxt[:, None]], dim=1)
        done = done | (nxt == eos_id)
        if bool(done.all()):
            break
    return tokens


def _row_hidden(
    hidden: Callable, tokens: torch.Tensor, index: torch.Tensor, m: int, sim: torch.Tensor, contrast
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Hidden states ``(R, W)`` of the rows and, when ``contrast``, the similarity-weighted
    mean ``(R, W)`` of their prefixes' hidden states with the other crops of their group
    (the projection is linear, so its logits are the weighted mean of the others' logits)."""
    if not contrast:
        return hidden(tokens, index), None
    r = len(index)
    crops = (index - index % m)[:, None] + torch.arange(m, device=index.device)  # (R, M)
    states = hidden(tokens.repeat_interleave(m, dim=0), crops.reshape(-1)).view(r, m, -1)
    weights = sim[index[:, None], crops].masked_fill(crops == index[:, None], 0.0)
    mean_other = (weights[..., None] * states).sum(1) / (m - 1)
    return states[torch.arange(r, device=index.device), index % m], mean_other
