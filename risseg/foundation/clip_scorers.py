"""CLIP image-text scorers wrapping open_clip and transformers models (weights from local paths).

* :class:`OpenCLIPScorer`: ``open_clip.create_model_and_transforms`` (model + its own
  evaluation transform + tokenizer). OpenAI weights need the QuickGELU variants:
  ``'RN50-quickgelu'`` (TRIS, Pseudo-RIS) and ``'ViT-L-14-336-quickgelu'`` (S+S+C).
* :class:`HFCLIPScorer`: transformers ``CLIPModel`` + ``CLIPProcessor`` from one local folder.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from mmengine.logging import print_log

from risseg.foundation.image_text_scorer import (
    ImageBatch,
    ImageTextScorer,
    check_texts,
    preprocess_batch,
    to_pil_images,
)
from risseg.foundation.weights import load_hf_pretrained, load_torch_weights, local_weights_file
from risseg.registry import FOUNDATION_MODELS

OPEN_CLIP_HOW = (
    "Download the open_clip weights file (e.g. open_clip_model.safetensors from the Hugging "
    "Face hub repository of the model, see docs/foundation_models.md)"
)
OPEN_CLIP_CONFIG_HOW = (
    "Download the model's open_clip_config.json (next to its weights on the Hugging Face hub) "
    "or write it with tools/train_standins.py for the SynthRef stand-ins"
)
HF_CLIP_HOW = (
    "Download the Hugging Face model folder (config.json, weights and processor files, e.g. "
    "openai/clip-vit-large-patch14-336)"
)


def register_open_clip_config(model_name: str, model_config: str | os.PathLike) -> dict:
    """Register a local open_clip JSON config under ``model_name`` (``open_clip.add_model_config``).

    Args:
        model_name: the architecture name to register (replaces a config of that name).
        model_config: a JSON file, either open_clip's own model config (``embed_dim``,
            ``vision_cfg``, ``text_cfg``...) or the hub's ``open_clip_config.json`` (that config
            under ``model_cfg``, plus ``preprocess_cfg``).

    Returns:
        The file's ``preprocess_cfg`` (``{}`` when it has none).
    """
    import open_clip

    what = f"open_clip {model_name} config"
    path = local_weights_file(model_config, what, OPEN_CLIP_CONFIG_HOW)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{what}: {str(path)!r} is not a JSON file ({err})") from err
    model_cfg = config.get("model_cfg", config) if isinstance(config, dict) else None
    missing = [k for k in ("embed_dim", "vision_cfg", "text_cfg") if k not in (model_cfg or {})]
    if missing:
        raise ValueError(
            f"{what}: {str(path)!r} has no open_clip model config (missing {missing}, at the top "
            "level or under 'model_cfg')"
        )
    with tempfile.TemporaryDirectory() as tmp:  # open_clip names configs after their file
        with open(os.path.join(tmp, f"{model_name}.json"), "w", encoding="utf-8") as f:
            json.dump(model_cfg, f)
        open_clip.add_model_config(tmp)
    return dict(config.get("preprocess_cfg") or {})


class _DropMessage(logging.Filter):
    """Drops log records whose message contains ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def build_open_clip(
    model_name: str,
    checkpoint: str | os.PathLike | None,
    *,
    device: str | torch.device = "cpu",
    model_config: str | os.PathLike | None = None,
    **create_kwargs: Any,
):
    """An open_clip model in eval mode with its evaluation transform and tokenizer.

    Args:
        model_name: an open_clip architecture name (``open_clip.list_models()``).
        checkpoint: local weights file loaded through :mod:`risseg.foundation.weights`;
            ``None`` keeps the random initialisation (tests, speed benchmarks) and logs it.
        device: where the model lives.
        model_config: a local open_clip JSON config registered as ``model_name`` before the
            model is created (see :func:`register_open_clip_config`); its ``preprocess_cfg``
            mean / std apply unless ``create_kwargs`` set ``image_mean`` / ``image_std``.
        create_kwargs: passed to ``open_clip.create_model_and_transforms`` (e.g.
            ``image_mean``, ``image_std``, ``force_image_size``).

    Returns:
        ``(model, transform, tokenizer)``.
    """
    import open_clip
    from open_clip.convert import convert_state_dict

    if model_config is not None:
        preprocess = register_open_clip_config(model_name, model_config)
        for key in ("mean", "std"):
            if key in preprocess:
                create_kwargs.setdefault(f"image_{key}", tuple(preprocess[key]))

    if model_name not in open_clip.list_models():
        raise ValueError(
            f"open_clip has no model config {model_name!r} (see open_clip.list_models(); "
            "give model_config for a custom architecture)"
        )
    # Created where new parameters go (the meta device while a test builds a full-size config
    # without weights), then moved to ``device``.
    new_params_on = torch.nn.Linear(1, 1, bias=False).weight.device
    # open_clip warns "No pretrained weights loaded ... initialized randomly" on the root
    # logger; the weights come below, and a missing checkpoint is logged there.
    root, quiet = logging.getLogger(), _DropMessage("No pretrained weights loaded")
    root.addFilter(quiet)
    try:
        model, _, transform = open_clip.create_model_and_transforms(
            model_name, pretrained=None, device=new_params_on, **create_kwargs
        )
    finally:
        root.removeFilter(quiet)
    if checkpoint is None:
        print_log(
            f"open_clip {model_name}: no checkpoint given, weights are random",
            logger="current",
            level=30,
        )
    else:
        state = load_torch_weights(checkpoint, f"open_clip {model_name} weights", OPEN_CLIP_HOW)
        state = {k.removeprefix("module."): v for k, v in state.items()}
        model.load_state_dict(convert_state_dict(model, state), strict=True)
    tokenizer = open_clip.get_tokenizer(model_name)
    if new_params_on.type != "meta":
        model = model.to(device)
    return model.eval(), transform, tokenizer


@FOUNDATION_MODELS.register_module()
class OpenCLIPScorer(ImageTextScorer):
    """An open_clip CLIP model as an image-text scorer.

    Args:
        model_name: open_clip architecture, e.g. ``'RN50-quickgelu'``,
            ``'ViT-L-14-336-quickgelu'``.
        checkpoint: local weights file (``None``: random weights, logged).
        device: torch device.
        batch_size: images / texts encoded per forward pass.
        model_config: local open_clip JSON config of ``model_name`` (e.g. the SynthRef
            stand-in's ``open_clip_config.json``); ``None`` uses open_clip's built-in configs.
        create_kwargs: passed to ``open_clip.create_model_and_transforms``.
    """

    def __init__(
        self,
        model_name: str,
        checkpoint: str | os.PathLike | None,
        *,
        device: str | torch.device = "cpu",
        batch_size: int = 64,
        model_config: str | os.PathLike | None = None,
        **create_kwargs: Any,
    ) -> None:
        super().__init__()
        self.model, self.transform, self.tokenizer = build_open_clip(
            model_name, checkpoint, device=device, model_config=model_config, **create_kwargs
        )
        self.batch_size = batch_size

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def logit_scale(self) -> float:
        return float(self.model.logit_scale.detach().exp())

    @torch.inference_mode()
    def encode_images(self, images: ImageBatch) -> torch.Tensor:
        """``(N, D)`` normalised features; uint8/PIL inputs use the model's own transform."""
        pixels = preprocess_batch(images, self.transform)
        feats = [
            self.model.encode_image(chunk.to(self.device), normalize=True)
            for chunk in pixels.split(self.batch_size)
        ]
        return torch.cat(feats).float()

    @torch.inference_mode()
    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """``(M, D)`` normalised features of the model's tokenisation of ``texts``."""
        tokens = self.tokenizer(check_texts(texts))
        feats = [
            self.model.encode_text(chunk.to(self.device), normalize=True)
            for chunk in tokens.split(self.batch_size)
        ]
        return torch.cat(feats).float()


@FOUNDATION_MODELS.register_module()
class HFCLIPScorer(ImageTextScorer):
    """A transformers ``CLIPModel`` + ``CLIPProcessor`` (one local folder) as a scorer.

    Args:
        path: local Hugging Face folder (``save_pretrained`` layout).
        device: torch device.
        batch_size: images / texts encoded per forward pass.
    """

    def __init__(
        self, path: str | os.PathLike, *, device: str | torch.device = "cpu", batch_size: int = 64
    ) -> None:
        super().__init__()
        from transformers import CLIPModel, CLIPProcessor

        what = "transformers CLIP folder"
        self.model = load_hf_pretrained(CLIPModel, path, what, HF_CLIP_HOW).to(device).eval()
        self.processor = load_hf_pretrained(CLIPProcessor, path, what, HF_CLIP_HOW)
        self.batch_size = batch_size

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def logit_scale(self) -> float:
        return float(self.model.logit_scale.detach().exp())

    @staticmethod
    def _features(out: Any) -> torch.Tensor:
        # transformers >= 5 returns a model output whose pooler_output holds the projection.
        return out if isinstance(out, torch.Tensor) else out.pooler_output

    @torch.inference_mode()
    def encode_images(self, images: ImageBatch) -> torch.Tensor:
        """``(N, D)`` normalised features; uint8/PIL inputs use the processor's transform."""
        if isinstance(images, torch.Tensor):
            pixels = preprocess_batch(images, transform=None)
        else:
            pixels = self.processor(images=to_pil_images(images), return_tensors="pt")[
                "pixel_values"
            ]
        feats = [
            self._features(self.model.get_image_features(pixel_values=c.to(self.device)))
            for c in pixels.split(self.batch_size)
        ]
        return F.normalize(torch.cat(feats).float(), dim=-1)

    @torch.inference_mode()
    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """``(M, D)`` normalised features (padded, truncated to the model's length)."""
        texts = check_texts(texts)
        feats = []
        for start in range(0, len(texts), self.batch_size):
            enc = self.processor(
                text=texts[start : start + self.batch_size],
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            enc = {k: v.to(self.device) for k, v in enc.items()}
            feats.append(self._features(self.model.get_text_features(**enc)))
        return F.normalize(torch.cat(feats).float(), dim=-1)
