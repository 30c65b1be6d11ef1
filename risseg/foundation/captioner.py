"""Captioning: images (or mask crops) in, one caption each out, with a hook on every step.

The contract every captioner follows (:class:`Captioner`)::

    caption(images, strategy='beam_search' | 'greedy' | 'top_k' | 'top_p', ...,
            logits_processor=None, generator=None) -> list[str]

The decoding loops here are model-agnostic: they call ``step(tokens, image_index) -> logits``,
the model's own text decoder for a batch of prefixes, each paired with one of the input
images. Every input image is decoded in the same batch, so a **logits processor**
``processor(step, logits, state) -> logits`` sees all candidates at once (Pseudo-RIS's
distinctive sampling contrasts the target crop's logits with the other crops' logits; it
calls ``state.decode(prefixes, other_image_index)``). Processors run after the min-length /
repetition processors and the top-k / top-p filter (tokens outside the filter are ``-inf``),
before ``softmax(logits / temperature)`` and sampling; what a processor returns is treated as
unnormalised log-probabilities. In beam search they run before the beam scores are added.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

StepFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
STRATEGIES = ("beam_search", "greedy", "top_k", "top_p")


@dataclass
class DecodeState:
    """What a logits processor may read at one decoding step (``B`` rows being decoded).

    Attributes:
        tokens: ``(B, t)`` long prefixes decoded so far (start token first).
        raw_logits: ``(B, V)`` decoder logits of the next token, before any processing.
        processed_logits: ``(B, V)`` after the min-length / repetition processors, before
            the top-k / top-p filter.
        image_index: ``(B,)`` long, which input image each row decodes (beams share one).
        image_latent: ``(N, D)`` L2-normalised image embeddings of the ``N`` input images.
        done: ``(B,)`` bool, rows that already ended (their token is ignored).
        decode: ``decode(tokens (R, t), image_index (R,)) -> (R, V)`` runs the model's text
            decoder on any prefixes paired with any input images.
    """

    tokens: torch.Tensor
    raw_logits: torch.Tensor
    processed_logits: torch.Tensor
    image_index: torch.Tensor
    image_latent: torch.Tensor
    done: torch.Tensor
    decode: StepFn


LogitsProcessor = Callable[[int, torch.Tensor, DecodeState], torch.Tensor]


def _as_list(processors: LogitsProcessor | Sequence[LogitsProcessor] | None):
    if processors is None:
        return []
    return [processors] if callable(processors) else list(processors)


def _pre_filter(tokens, logits, *, eos_id, min_len, repetition_penalty):
    """Min length (no end token while the prefix is shorter than ``min_len``, start token
    included, as transformers' ``MinLengthLogitsProcessor``) and repetition penalty."""
    from transformers import RepetitionPenaltyLogitsProcessor

    logits = logits.clone()
    if tokens.shape[1] < min_len:
        logits[:, eos_id] = -float("inf")
    if repetition_penalty != 1.0:
        logits = RepetitionPenaltyLogitsProcessor(repetition_penalty)(tokens, logits)
    return logits


def sample_loop(
    step: StepFn,
    image_latent: torch.Tensor,
    *,
    sot_id: int,
    eos_id: int,
    pad_id: int,
    max_len: int = 30,
    min_len: int = 5,
    strategy: str = "top_k",
    top_k: int = 1,
    top_p: float = 0.9,
    temperature: float = 1.0,
    repetition_penalty: float = 1.0,
    processors=None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Greedy / top-k / top-p decoding of every image at once.

    Args:
        step: the model's next-token logits for ``(tokens, image_index)``.
        image_latent: ``(N, D)`` image embeddings (passed to processors).
        sot_id, eos_id, pad_id: start, end and padding token ids.
        max_len: the longest sequence, start and end tokens included (the end is forced).
        min_len: no end token before the prefix has this many tokens.
        strategy: ``'greedy'``, ``'top_k'`` or ``'top_p'`` (transformers' warpers).
        top_k, top_p, temperature, repetition_penalty: sampling settings.
        processors: a logits processor or a list of them (see the module docstring).
        generator: torch random generator, for reproducible samples.

    Returns:
        ``(N, L)`` long token ids, start token first, padded with ``pad_id`` after the end.
    """
    from transformers import TopKLogitsWarper, TopPLogitsWarper

    if strategy not in ("greedy", "top_k", "top_p"):
        raise ValueError(f"strategy: expected one of {STRATEGIES[1:]}, got {strategy!r}")
    warper = {
        "top_k": lambda: TopKLogitsWarper(top_k),
        "top_p": lambda: TopPLogitsWarper(top_p),
        "greedy": lambda: None,
    }[strategy]()
    processors = _as_list(processors)
    n = image_latent.shape[0]
    device = image_latent.device
    tokens = torch.full((n, 1), sot_id, dtype=torch.long, device=device)
    image_index = torch.arange(n, device=device)
    done = torch.zeros(n, dtype=torch.bool, device=device)
    for t in range(max_len - 1):
        raw = step(tokens, image_index)
        processed = _pre_filter(
            tokens, raw, eos_id=eos_id, min_len=min_len, repetition_penalty=repetition_penalty
        )
        logits = processed if warper is None else warper(tokens, processed)
        state = DecodeState(tokens, raw, processed, image_index, image_latent, done, step)
        for processor in processors:
            logits = processor(t, logits, state)
        if warper is None:
            nxt = logits.argmax(-1)
        else:
            probs = torch.softmax(logits.float() / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        if tokens.shape[1] + 1 == max_len:
            nxt = torch.full_like(nxt, eos_id)
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        tokens = torch.cat([tokens, nxt[:, None]], dim=1)
        done = done | (nxt == eos_id)
        if bool(done.all()):
            break
    return tokens


def beam_search(
    step: StepFn,
    image_latent: torch.Tensor,
    *,
    sot_id: int,
    eos_id: int,
    pad_id: int,
    num_beams: int = 2,
    max_len: int = 30,
    min_len: int = 5,
    score: str = "logits",
    length_penalty: float = 1.0,
    processors=None,
) -> torch.Tensor:
    """Beam search of every image at once; the best finished hypothesis per image.

    A hypothesis's score is the sum of its step scores divided by ``len ** length_penalty``
    (``len`` counts the start token, not the end token), as transformers' ``BeamHypotheses``.

    Args:
        step, image_latent, sot_id, eos_id, pad_id, max_len, min_len, processors: as in
            :func:`sample_loop`.
        num_beams: beams per image.
        score: ``'logits'`` adds the raw (processed) logits, as open_clip's CoCa ``generate``
            does; ``'log_softmax'`` adds log-probabilities.

    Returns:
        ``(N, L)`` long token ids, start first, end token then ``pad_id`` padding.
    """
    if score not in ("logits", "log_softmax"):
        raise ValueError(f"score: expected 'logits' or 'log_softmax', got {score!r}")
    processors = _as_list(processors)
    n, w, device = image_latent.shape[0], num_beams, image_latent.device
    tokens = torch.full((n * w, 1), sot_id, dtype=torch.long, device=device)
    image_index = torch.arange(n, device=device).repeat_interleave(w)
    beam_scores = torch.full((n, w), -1e9, device=device)
    beam_scores[:, 0] = 0.0  # identical beams at the start: only the first one expands
    hyps: list[list[tuple[float, list[int]]]] = [[] for _ in range(n)]
    done = [False] * n
    for t in range(max_len - 1):
        raw = step(tokens, image_index)
        logits = _pre_filter(tokens, raw, eos_id=eos_id, min_len=min_len, repetition_penalty=1.0)
        row_done = torch.tensor(done, device=device).repeat_interleave(w)
        state = DecodeState(tokens, raw, logits, image_index, image_latent, row_done, step)
        for processor in processors:
            logits = processor(t, logits, state)
        if score == "log_softmax":
            logits = torch.log_softmax(logits.float(), dim=-1)
        last = tokens.shape[1] + 1 == max_len
        if last:  # the end token is forced, with its own score
            logits = torch.full_like(logits, -float("inf")).index_copy(
                1, torch.tensor([eos_id], device=device), logits[:, eos_id : eos_id + 1]
            )
        vocab = logits.shape[-1]
        total = (beam_scores.view(-1, 1) + logits.float()).view(n, w * vocab)
        top_scores, top_ids = total.topk(2 * w, dim=1)
        src, nxt, new_scores = _advance(
            tokens,
            top_scores,
            top_ids,
            hyps,
            done,
            vocab=vocab,
            w=w,
            eos_id=eos_id,
            last=last,
            length_penalty=length_penalty,
        )
        tokens = torch.cat([tokens[src], torch.tensor(nxt, device=device)[:, None]], dim=1)
        beam_scores = torch.tensor(new_scores, device=device).view(n, w)
        if all(done):
            break
    return _best(
        hyps, tokens, beam_scores, w=w, eos_id=eos_id, pad_id=pad_id, length_penalty=length_penalty
    )


def _advance(tokens, top_scores, top_ids, hyps, done, *, vocab, w, eos_id, last, length_penalty):
    """One beam step for every image: file finished hypotheses, pick the next ``w`` beams."""
    src, nxt, new_scores = [], [], []
    for b in range(len(hyps)):
        if done[b]:  # keep the beams, their tokens are never read
            src += [b * w + j for j in range(w)]
            nxt += [eos_id] * w
            new_scores += [-1e9] * w
            continue
        kept = 0
        pairs = zip(top_scores[b].tolist(), top_ids[b].tolist(), strict=True)
        for rank, (s, idx) in enumerate(pairs):
            row, tok = b * w + idx // vocab, idx % vocab
            if tok == eos_id or last:
                if rank < w and tok == eos_id:
                    prefix = tokens[row].tolist()
                    _add_hyp(hyps[b], s / len(prefix) ** length_penalty, prefix, w)
                continue
            src.append(row)
            nxt.append(tok)
            new_scores.append(s)
            kept += 1
            if kept == w:
                break
        for _ in range(w - kept):  # every candidate ended (last step): dead filler beams
            src.append(b * w)
            nxt.append(eos_id)
            new_scores.append(-1e9)
        best_running = max(new_scores[-w:]) / (tokens.shape[1] + 1) ** length_penalty
        done[b] = last or (len(hyps[b]) >= w and min(h[0] for h in hyps[b]) >= best_running)
    return src, nxt, new_scores


def _add_hyp(hyp_list, score, prefix, w):
    hyp_list.append((score, prefix))
    hyp_list.sort(key=lambda h: -h[0])
    del hyp_list[w:]


def _best(hyps, tokens, beam_scores, *, w, eos_id, pad_id, length_penalty):
    """``(N, L)`` best hypothesis per image (running beams count if none finished)."""
    seqs = []
    for b, hyp_list in enumerate(hyps):
        if not hyp_list:
            for j in range(w):
                prefix = tokens[b * w + j].tolist()
                _add_hyp(
                    hyp_list, float(beam_scores[b, j]) / len(prefix) ** length_penalty, prefix, w
                )
        seqs.append(hyp_list[0][1] + [eos_id])
    length = max(len(s) for s in seqs)
    out = torch.full((len(seqs), length), pad_id, dtype=torch.long, device=tokens.device)
    for i, seq in enumerate(seqs):
        out[i, : len(seq)] = torch.tensor(seq)
    return out


class Captioner(nn.Module):
    """Role interface: one caption per input image (see the module docstring)."""

    def caption(
        self,
        images,
        *,
        strategy: str = "beam_search",
        max_len: int = 30,
        min_len: int = 5,
        top_k: int = 1,
        top_p: float = 0.9,
        temperature: float = 1.0,
        num_beams: int = 2,
        logits_processor=None,
        generator: torch.Generator | None = None,
    ) -> list[str]:
        """Caption every image, decoded together.

        Args:
            images: ``(H, W, 3)`` uint8 RGB arrays / PIL images, or a preprocessed float
                tensor ``(N, 3, S, S)``.
            strategy: one of ``'beam_search'``, ``'greedy'``, ``'top_k'``, ``'top_p'``.
            max_len, min_len: sequence length limits, start and end tokens included.
            top_k, top_p, temperature: sampling settings.
            num_beams: beams per image for beam search.
            logits_processor: ``processor(step, logits, state) -> logits`` or a list of them.
            generator: random generator for reproducible sampling.

        Returns:
            ``N`` captions (text between the start and end tokens).
        """
        raise NotImplementedError
