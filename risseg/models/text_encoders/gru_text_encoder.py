"""Word embeddings followed by a (bi)GRU: the classic RIS language encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from risseg.registry import MODELS


def load_word_vectors(path: str | Path) -> Tensor:
    """Read a (V, D) word-vector table from ``.npy`` or ``.npz`` (first array, or the one
    named ``vectors`` / ``embeddings``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"word-vector file not found: {path}")
    if path.suffix == ".npz":
        with np.load(path) as data:
            key = next((k for k in ("vectors", "embeddings") if k in data), data.files[0])
            table = data[key]
    elif path.suffix == ".npy":
        table = np.load(path)
    else:
        raise ValueError(f"word vectors must be .npy or .npz, got {path}")
    if table.ndim != 2:
        raise ValueError(f"word vectors in {path} must be 2-D (V, D), got shape {table.shape}")
    return torch.from_numpy(np.asarray(table, dtype=np.float32))


@MODELS.register_module()
class GRUTextEncoder(nn.Module):
    """Embed token ids, run a GRU over the valid tokens and max-pool a sentence feature.

    Args:
        vocab_size: V, rows of the embedding table (id 0 is padding).
        embed_dim: D, word-vector size.
        hidden: GRU hidden size per direction.
        num_layers: stacked GRU layers.
        bidirectional: use a bidirectional GRU (C = 2 * hidden) or not (C = hidden).
        dropout: dropout on the word embeddings.
        word_vectors: optional ``.npy`` / ``.npz`` path of a (V, D) table to initialise the
            embeddings with (e.g. GloVe rows in the tokenizer's vocabulary order).
        freeze_word_vectors: keep loaded word vectors fixed.
        packed: run the GRU over the valid tokens only (a packed sequence; default). False
            reproduces the SeqTR release: the GRU reads the whole zero-padded sequence (PAD
            id 0, so the padding positions see embedding row 0 and the backward direction
            starts at the last padding position), then the sentence feature is the max over
            the valid positions. Official SeqTR / Partial-RES checkpoints need ``False``.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 128,
        hidden: int = 128,
        *,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.0,
        word_vectors: str | None = None,
        freeze_word_vectors: bool = True,
        packed: bool = True,
    ) -> None:
        super().__init__()
        self.packed = packed
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        if word_vectors is not None:
            table = load_word_vectors(word_vectors)
            if tuple(table.shape) != (vocab_size, embed_dim):
                raise ValueError(
                    f"word vectors in {word_vectors} have shape {tuple(table.shape)}, "
                    f"expected (vocab_size, embed_dim) = ({vocab_size}, {embed_dim})"
                )
            self.embed.weight.data.copy_(table)
            self.embed.weight.requires_grad_(not freeze_word_vectors)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(
            embed_dim,
            hidden,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
        )
        self.out_channels = hidden * (2 if bidirectional else 1)

    def forward(self, text_ids: Tensor, text_mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Encode a batch of expressions.

        Args:
            text_ids: (B, L) int64 token ids.
            text_mask: (B, L) bool, True on real tokens (a left-aligned prefix).

        Returns:
            word features (B, L, C) (zero on padding), the mask (B, L) bool and the sentence
            feature (B, C): the max over valid tokens (zeros for an empty expression). With
            ``packed=False`` the valid positions' features depend on the padding after them
            (the backward direction), so L must be the fixed ``max_length`` of the release.
        """
        mask = text_mask.bool()
        length = text_ids.shape[1]
        if text_ids.numel() and (text_ids.min() < 0 or text_ids.max() >= self.embed.num_embeddings):
            raise ValueError(
                f"GRUTextEncoder: token ids must lie in [0, {self.embed.num_embeddings}), got "
                f"[{int(text_ids.min())}, {int(text_ids.max())}]; raise vocab_size to the "
                "tokenizer's vocabulary size"
            )
        words = self.dropout(self.embed(text_ids))  # (B, L, D)
        if self.packed:
            lengths = mask.sum(1).clamp(min=1).cpu()
            packed = pack_padded_sequence(words, lengths, batch_first=True, enforce_sorted=False)
            out, _ = self.gru(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=length)  # (B, L, C)
        else:
            out, _ = self.gru(words)  # (B, L, C), padding positions included
        out = out * mask.unsqueeze(-1)
        sent = out.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1)  # (B, C)
        sent = torch.where(mask.any(1, keepdim=True), sent, torch.zeros_like(sent))
        return out, mask, sent
