"""Distinctive caption sampling (Pseudo-RIS) as a captioner logits processor.

At every sampling step, for the row decoding mask ``i`` of an image with ``M`` masks::

    l~_i = l_i - 1 / (M - 1) * sum_{j != i} s_ij * l_j
    p    = softmax(l~_i)            over the top-k / top-p candidates of l_i (others: 0)
    p[eos] = softmax(l_i)[eos]      the end probability of the plain filtered distribution

where ``l_i`` are the target's processed, filtered logits, ``l_j`` the decoder's raw logits of
the same prefix paired with mask ``j``'s crop and ``s_ij`` the cosine of the two crops' image
latents. ``p`` is not renormalised (sampling normalises implicitly). Images with fewer than
``min_masks`` or more than ``max_masks`` masks are sampled plainly.
"""

from __future__ import annotations

import torch

from risseg.foundation.captioner import DecodeState


class DistinctiveSampling:
    """A :class:`~risseg.foundation.captioner.Captioner` logits processor (see the module
    docstring); decode with ``temperature=1`` (its temperature is applied here).

    Args:
        eos_id: the end token id.
        min_masks, max_masks: the mask counts for which the rule applies (2 and 30).
        temperature: softmax temperature of both distributions.
        chunk: rows of other-mask prefixes decoded per call (bounds memory).
    """

    def __init__(
        self,
        eos_id: int,
        *,
        min_masks: int = 2,
        max_masks: int = 30,
        temperature: float = 1.0,
        chunk: int = 1024,
    ) -> None:
        self.eos_id = eos_id
        self.min_masks = min_masks
        self.max_masks = max_masks
        self.temperature = temperature
        self.chunk = chunk

    def other_logits(self, state: DecodeState, rows: torch.Tensor) -> torch.Tensor:
        """``(R, M-1, V)`` raw logits of each row's prefix with every other mask's crop."""
        m = state.image_latent.shape[0]
        target = state.image_index[rows]
        grid = torch.arange(m, device=rows.device).expand(len(rows), m)
        others = grid[grid != target[:, None]].view(len(rows), m - 1)
        prefixes = state.tokens[rows].repeat_interleave(m - 1, dim=0)
        flat = others.reshape(-1)
        out = [
            state.decode(prefixes[s : s + self.chunk], flat[s : s + self.chunk])
            for s in range(0, len(flat), self.chunk)
        ]
        return torch.cat(out).float().view(len(rows), m - 1, -1), others

    def __call__(self, step: int, logits: torch.Tensor, state: DecodeState) -> torch.Tensor:
        """Distinctive log-probabilities of the running rows; other rows unchanged.

        Args:
            step: decoding step (unused).
            logits: ``(B, V)`` processed logits, ``-inf`` outside the top-k / top-p set.
            state: the step's :class:`DecodeState`.

        Returns:
            ``(B, V)`` log-probabilities (``-inf`` where the probability is 0).
        """
        m = state.image_latent.shape[0]
        rows = torch.nonzero(~state.done, as_tuple=True)[0]
        if not self.min_masks <= m <= self.max_masks or len(rows) == 0:
            return logits
        other, others = self.other_logits(state, rows)
        latent = state.image_latent.float()
        sim = (latent @ latent.T)[state.image_index[rows][:, None], others]  # (R, M-1)
        out = logits.clone().float()
        out[rows] = distinctive_logprobs(logits[rows], other, sim, self.eos_id, self.temperature)
        return out


def distinctive_logprobs(
    target: torch.Tensor,
    other: torch.Tensor,
    sim: torch.Tensor,
    eos_id: int,
    temperature: float = 1.0,
) -> torch.Tensor:
    """The module docstring's rule for ``R`` rows.

    Args:
        target: ``(R, V)`` the targets' filtered logits (``-inf`` outside top-k / top-p).
        other: ``(R, M-1, V)`` raw logits of the same prefixes with the other masks' crops.
        sim: ``(R, M-1)`` cosine of the target's and each other crop's image latent.
        eos_id: the end token id.
        temperature: softmax temperature of both distributions.

    Returns:
        ``(R, V)`` log-probabilities (``-inf`` where the probability is 0).
    """
    m = other.shape[1] + 1
    mean_other = (sim[..., None] * other.float()).sum(1) / (m - 1)
    is_eos = torch.zeros_like(target, dtype=torch.bool)
    is_eos[:, eos_id] = True
    return torch.log(contrast_probs(target, mean_other, is_eos, temperature))


def contrast_probs(
    target: torch.Tensor, mean_other: torch.Tensor, is_eos: torch.Tensor, temperature: float = 1.0
) -> torch.Tensor:
    """Unnormalised distinctive probabilities over any set of token columns.

    Args:
        target: ``(R, K)`` filtered target logits (``-inf``: filtered out).
        mean_other: ``(R, K)`` similarity-weighted mean of the other masks' raw logits,
            ``1 / (M - 1) * sum_j s_ij * l_j``.
        is_eos: ``(R, K)`` bool, the end-token column(s).
        temperature: softmax temperature of both distributions.

    Returns:
        ``(R, K)`` ``softmax(target - mean_other)``, with the end token's plain probability
        ``softmax(target)[eos]``; 0 where ``target`` is ``-inf``. The columns must hold every
        token ``target`` keeps (the softmax normalises over them).
    """
    target = target.float()
    contrast = (target - mean_other).masked_fill(torch.isinf(target), -float("inf"))
    probs = torch.softmax(contrast / temperature, dim=-1)
    return torch.where(is_eos, torch.softmax(target / temperature, dim=-1), probs)
