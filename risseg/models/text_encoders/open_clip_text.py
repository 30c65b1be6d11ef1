"""CLIP's text transformer (open_clip) as a language encoder."""

from __future__ import annotations

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from risseg.models.backbones.open_clip_resnet import load_open_clip
from risseg.registry import MODELS


@MODELS.register_module()
class OpenCLIPTextEncoder(BaseModule):
    """Word features and the CLIP sentence embedding of an open_clip CLIP text tower.

    Paper: https://arxiv.org/abs/2103.00020; used by TRIS (20 tokens) and CRIS (17 tokens).
    The tower is the open_clip model's token embedding, causal transformer, final LayerNorm
    and text projection (weights from a local file, see :func:`load_open_clip`); the image
    tower is dropped. ``context_length`` keeps the first rows of the positional embedding (and
    of the causal mask), as TRIS and CRIS build their text towers.

    Args:
        model_name: open_clip architecture, e.g. ``'RN50-quickgelu'``.
        checkpoint: local weights file of the whole CLIP model; ``None``: random (logged).
        model_config: local open_clip JSON config for an architecture open_clip lacks.
        context_length: longest input accepted (default: the model's, 77 for CLIP).
        frozen: freeze every weight.
        train_projection: train the sentence projection; False where only the word features
            are used (TRIS stage 2), so that every trainable weight gets a gradient (DDP
            without ``find_unused_parameters``).
        init_cfg: mmengine init config.

    Attributes:
        width: word feature channels W (RN50: 512); also ``out_channels``.
        embed_dim: sentence feature channels D (RN50: 1024).
    """

    def __init__(
        self,
        model_name: str,
        checkpoint: str | None = None,
        model_config: str | None = None,
        context_length: int | None = None,
        frozen: bool = False,
        train_projection: bool = True,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        clip = load_open_clip(model_name, checkpoint, model_config)
        tower = getattr(clip, "text", clip)  # CustomTextCLIP keeps the tower in .text
        if getattr(tower, "cls_emb", None) is not None or tower.text_pool_type != "argmax":
            raise ValueError(f"OpenCLIPTextEncoder: {model_name} is not an argmax-pooled CLIP")
        full = tower.positional_embedding.shape[0]
        self.context_length = full if context_length is None else int(context_length)
        if not 1 <= self.context_length <= full:
            raise ValueError(
                f"OpenCLIPTextEncoder: context_length {context_length} outside 1..{full}"
            )
        self.token_embedding = tower.token_embedding
        self.positional_embedding = nn.Parameter(
            tower.positional_embedding.detach()[: self.context_length].clone()
        )
        self.transformer = tower.transformer
        self.ln_final = tower.ln_final
        self.text_projection = tower.text_projection
        causal = torch.full((self.context_length, self.context_length), float("-inf")).triu(1)
        self.register_buffer("attn_mask", causal, persistent=False)
        self.vocab_size = self.token_embedding.num_embeddings
        self.width = self.out_channels = self.token_embedding.embedding_dim
        proj = self.text_projection
        self.embed_dim = proj.out_features if isinstance(proj, nn.Linear) else proj.shape[1]
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)
        elif not train_projection:
            self.text_projection.requires_grad_(False)

    def init_weights(self) -> None:
        """Keep open_clip's weights (loaded or initialised); mmengine must not reset them."""

    def forward(self, text_ids: Tensor, text_mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Encode tokenised expressions (``<SOT> ... <EOT> 0 ...``, e.g. ``CLIPTokenizer``).

        Args:
            text_ids: (B, L) int64 BPE ids, L <= ``context_length``.
            text_mask: (B, L) bool, True on real tokens.

        Returns:
            (B, L, W) final-LayerNorm token features, the (B, L) bool mask and the (B, D)
            sentence feature: the token at the largest real id (EOT, as CLIP pools) times the
            text projection. Padding never changes real tokens (causal attention, padding last).
        """
        b, length = text_ids.shape
        if length > self.context_length:
            raise ValueError(
                f"OpenCLIPTextEncoder: {length} tokens > context_length {self.context_length}"
            )
        if int(text_ids.max()) >= self.vocab_size or int(text_ids.min()) < 0:
            raise ValueError(f"OpenCLIPTextEncoder: token ids outside 0..{self.vocab_size - 1}")
        mask = text_mask.bool()
        x = self.token_embedding(text_ids) + self.positional_embedding[:length]
        x = self.transformer(x, attn_mask=self.attn_mask[:length, :length])
        words = self.ln_final(x)
        # argmax over real tokens only, so a non-zero padding id cannot win
        eot = text_ids.masked_fill(~mask, -1).argmax(dim=-1)
        pooled = words[torch.arange(b, device=words.device), eot]
        proj = self.text_projection
        sentence = proj(pooled) if isinstance(proj, nn.Linear) else pooled @ proj
        return words, mask, sentence
