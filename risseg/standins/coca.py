"""SynthRef stand-in for CoCa: a tiny open_clip CoCa captioning object crops.

Trained with open_clip's ``CoCaLoss`` (captioning + contrastive) on object crops of the stand-in
corpus (plain, masked and blurred-background views, jittered margins) captioned from their
attributes (``a photo of a big cyan diamond``). Writes ``open_clip_config.json`` +
``open_clip_model.safetensors``, loaded with ``dict(type='OpenCoCaCaptioner',
model_name='synthref-coca', model_config=..., checkpoint=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from risseg.datasets.synthref.expressions import COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS
from risseg.standins.corpus import CorpusObject, load_corpus, object_phrase, object_view
from risseg.standins.pairs import train_open_clip_part

MODEL_NAME = "synthref-coca"
IMAGE_SIZE = 64
CONTEXT = 32  # crop captions are short; the captioner's default max_len (30) fits
# CoCa's layout (ViT with attentional pooler, text tower with a CLS token, multimodal decoder).
MODEL_CFG = {
    "embed_dim": 64,
    "vision_cfg": {
        "image_size": IMAGE_SIZE,
        "layers": 3,
        "width": 96,
        "head_width": 32,
        "patch_size": 8,
        "attentional_pool": True,
        "attn_pooler_heads": 4,
        "attn_pooler_queries": 16,
        "output_tokens": True,
    },
    "text_cfg": {
        "context_length": CONTEXT,
        "vocab_size": 49408,
        "width": 64,
        "heads": 4,
        "layers": 2,
        "embed_cls": True,
        "output_tokens": True,
    },
    "multimodal_cfg": {
        "context_length": CONTEXT,
        "vocab_size": 49408,
        "width": 64,
        "heads": 4,
        "layers": 2,
        "attn_pooler_heads": 4,
    },
    "custom_text": True,
}
EPOCHS = 3
BATCH_SIZE = 32  # the cost is per caption token; small batches give more updates
LR = 4e-3  # 1e-3 leaves the 49408-way output barely trained in a few hundred steps
VIEW_PROBS = {"plain": 0.5, "masked": 0.25, "blurred": 0.25}
TEMPLATES = ("a photo of a {}", "a {}")
EVAL_MAX_LEN = 20  # tokens per evaluated caption (training captions have at most 9)


def crop_caption(obj: CorpusObject, rng: np.random.Generator) -> str:
    """A caption that always names the shape, usually the colour, sometimes the size."""
    template = TEMPLATES[rng.integers(len(TEMPLATES))]
    return template.format(object_phrase(obj, rng, p_colour=0.9, p_size=0.5, p_shape=1.0))


def captioner_config(out_dir: str | Path) -> dict:
    """The FOUNDATION_MODELS config that loads the stand-in from ``out_dir``."""
    return dict(
        type="OpenCoCaCaptioner",
        model_name=MODEL_NAME,
        model_config=str(Path(out_dir) / "open_clip_config.json"),
        checkpoint=str(Path(out_dir) / "open_clip_model.safetensors"),
    )


def coca_loss_fn():
    """``loss(model, (images, tokens))`` with open_clip's ``CoCaLoss`` (open_clip's weights:
    captioning 2, contrastive 1)."""
    from open_clip.loss import CoCaLoss

    loss = CoCaLoss(caption_loss_weight=2.0, clip_loss_weight=1.0, pad_id=0)

    def fn(model, batch):
        images, tokens = batch
        # causal decoding: padding after the last end token changes no caption logit, and the
        # 49408-way output projection of every position dominates the cost
        out = model(images, tokens[:, : int((tokens != 0).sum(1).max())])
        clip_loss, caption_loss = loss(
            out["image_features"],
            out["text_features"],
            out["logits"],
            out["labels"],
            out["logit_scale"],
        )
        return clip_loss + caption_loss

    return fn


def train_part(
    corpus_root: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    epochs: int | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Train the CoCa stand-in on the corpus at ``corpus_root`` into ``out_dir`` (resumable)."""
    train_open_clip_part(
        "coca",
        MODEL_NAME,
        MODEL_CFG,
        corpus_root,
        out_dir,
        epochs=epochs or EPOCHS,
        batch_size=BATCH_SIZE,
        lr=LR,
        view_probs=VIEW_PROBS,
        whole_images=False,
        loss_fn=coca_loss_fn(),
        caption_fn=crop_caption,
        seed=seed,
        log=log,
    )


def caption_words(caption: str) -> dict[str, set[str]]:
    """The shape / colour / size attribute values a caption names (through any synonym)."""
    tokens = set(caption.lower().replace(",", " ").split())
    named = {}
    for attr, table in (("shape", SHAPE_WORDS), ("colour", COLOUR_WORDS), ("size", SIZE_WORDS)):
        named[attr] = {value for value, words in table.items() if tokens & set(words)}
    return named


def score_captions(captions: list[str], objects: list[CorpusObject]) -> dict[str, float]:
    """Caption correctness (%) against the objects' true attributes.

    ``correct``: every shape / colour / size word of the caption is true of the object (and it
    names a shape); ``<attr>_named``: captions naming that attribute; ``<attr>_acc``: of those,
    naming only the true value.
    """
    counts = dict(correct=0)
    for attr in ("shape", "colour", "size"):
        counts[f"{attr}_named"] = counts[f"{attr}_true"] = 0
    for caption, obj in zip(captions, objects, strict=True):
        named = caption_words(caption)
        truth = {"shape": obj.shape, "colour": obj.colour, "size": obj.size}
        ok = bool(named["shape"])
        for attr, values in named.items():
            if values:
                counts[f"{attr}_named"] += 1
                counts[f"{attr}_true"] += values == {truth[attr]}
                ok = ok and values == {truth[attr]}
        counts["correct"] += ok
    n = max(1, len(objects))
    result = {"objects": float(len(objects)), "correct": round(100 * counts["correct"] / n, 2)}
    for attr in ("shape", "colour", "size"):
        named = counts[f"{attr}_named"]
        result[f"{attr}_named"] = round(100 * named / n, 2)
        result[f"{attr}_acc"] = round(100 * counts[f"{attr}_true"] / max(1, named), 2)
    return result


@torch.inference_mode()
def evaluate_part(out_dir: Path, data_root: Path, split: str = "val") -> dict[str, float]:
    """Beam-search captions of the benchmark's ``split`` object crops (plain view) through
    OpenCoCaCaptioner, scored by :func:`score_captions`; also a few example captions' count."""
    from risseg.registry import FOUNDATION_MODELS
    from risseg.utils import register_all_modules

    register_all_modules()
    captioner = FOUNDATION_MODELS.build(captioner_config(out_dir))
    corpus = load_corpus(data_root, splits=(split,))
    crops = [object_view(corpus.images[o.image], o, "plain", None) for o in corpus.objects]
    captions: list[str] = []
    for start in range(0, len(crops), 64):
        captions += captioner.caption(
            crops[start : start + 64], strategy="beam_search", max_len=EVAL_MAX_LEN
        )
    return score_captions(captions, corpus.objects)
