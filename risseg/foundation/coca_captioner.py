"""open_clip CoCa as a :class:`~risseg.foundation.captioner.Captioner`.

The model, its image transform and its tokenizer are open_clip's; the decoding loops are
risseg's (:mod:`risseg.foundation.captioner`) because open_clip's ``CoCa.generate`` neither
exposes per-step logits nor runs with transformers >= 5 (it needs ``BeamSearchScorer``,
which transformers 5 removed). Each step calls CoCa's own forward with cached image
embeddings, exactly as ``CoCa.generate`` does.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from risseg.foundation.captioner import STRATEGIES, Captioner, beam_search, sample_loop
from risseg.foundation.clip_scorers import build_open_clip
from risseg.foundation.image_text_scorer import ImageBatch, preprocess_batch
from risseg.registry import FOUNDATION_MODELS

SOT_ID = 49406  # open_clip's SimpleTokenizer <start_of_text>
EOS_ID = 49407  # <end_of_text>


@FOUNDATION_MODELS.register_module()
class OpenCoCaCaptioner(Captioner):
    """open_clip CoCa captioner (e.g. ``coca_ViT-L-14``), batched over crops.

    Args:
        model_name: open_clip CoCa architecture.
        checkpoint: local weights file (``None``: random weights, logged).
        device: torch device.
        beam_score: ``'logits'`` (open_clip's ``generate``) or ``'log_softmax'``.
        model_config: local open_clip JSON config of ``model_name`` (e.g. the SynthRef
            stand-in's ``open_clip_config.json``); ``None`` uses open_clip's built-in configs.
        create_kwargs: passed to ``open_clip.create_model_and_transforms``.
    """

    def __init__(
        self,
        model_name: str = "coca_ViT-L-14",
        checkpoint: str | os.PathLike | None = None,
        *,
        device: str | torch.device = "cpu",
        beam_score: str = "logits",
        model_config: str | os.PathLike | None = None,
        **create_kwargs: Any,
    ) -> None:
        super().__init__()
        self.model, self.transform, self.tokenizer = build_open_clip(
            model_name, checkpoint, device=device, model_config=model_config, **create_kwargs
        )
        if not hasattr(self.model, "text_decoder"):
            raise ValueError(f"open_clip model {model_name!r} is not a CoCa model (no decoder)")
        self.beam_score = beam_score

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.inference_mode()
    def encode_images(self, images: ImageBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """CoCa image latents ``(N, D)`` (L2-normalised) and token embeddings ``(N, T, C)``."""
        pixels = preprocess_batch(images, self.transform).to(self.device)
        return self.model._encode_image(pixels, normalize=True)

    def step_fn(self, image_embs: torch.Tensor):
        """``step(tokens (R, t), image_index (R,)) -> (R, V)`` next-token logits."""

        def step(tokens: torch.Tensor, image_index: torch.Tensor) -> torch.Tensor:
            out = self.model(
                None,
                tokens,
                image_latent=image_embs.new_zeros(1),
                image_embs=image_embs[image_index],
                output_labels=False,
            )
            return out["logits"][:, -1].float()

        return step

    @torch.inference_mode()
    def generate_tokens(
        self,
        images: ImageBatch,
        *,
        strategy: str = "beam_search",
        max_len: int = 30,
        min_len: int = 5,
        top_k: int = 1,
        top_p: float = 0.9,
        temperature: float = 1.0,
        num_beams: int = 2,
        repetition_penalty: float = 1.0,
        logits_processor=None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """``(N, L)`` token ids (start token first); arguments as :meth:`caption`."""
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy: expected one of {STRATEGIES}, got {strategy!r}")
        if max_len > self.model.context_length:
            raise ValueError(
                f"max_len {max_len} exceeds the decoder context {self.model.context_length}"
            )
        latent, embs = self.encode_images(images)
        ids = dict(sot_id=SOT_ID, eos_id=EOS_ID, pad_id=self.model.pad_id)
        if strategy == "beam_search":
            return beam_search(
                self.step_fn(embs),
                latent,
                num_beams=num_beams,
                max_len=max_len,
                min_len=min_len,
                score=self.beam_score,
                processors=logits_processor,
                **ids,
            )
        return sample_loop(
            self.step_fn(embs),
            latent,
            max_len=max_len,
            min_len=min_len,
            strategy=strategy,
            top_k=top_k,
            top_p=top_p,
            temperature=temperature,
            repetition_penalty=repetition_penalty,
            processors=logits_processor,
            generator=generator,
            **ids,
        )

    def decode_tokens(self, tokens: torch.Tensor) -> list[str]:
        """Text between the start token and the first end token of each row."""
        texts = []
        for row in tokens.tolist():
            row = row[1:] if row and row[0] == SOT_ID else row
            row = row[: row.index(EOS_ID)] if EOS_ID in row else row
            texts.append(self.tokenizer.decode(row).strip())
        return texts

    def caption(self, images: ImageBatch, **kwargs: Any) -> list[str]:
        """Captions of every image, decoded together (see :meth:`Captioner.caption`)."""
        return self.decode_tokens(self.generate_tokens(images, **kwargs))
