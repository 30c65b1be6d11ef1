"""Image-caption batches of the stand-in corpus, creating an open_clip model from a config, and
training one on the pairs.

Shared by the CLIP and CoCa stand-ins: an epoch shows every object once in a random view
(:data:`~risseg.standins.corpus.VIEWS`) and, optionally, every whole image once, in an order
drawn from ``(seed, epoch)`` so that a resumed run sees the same batches.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from risseg.standins.corpus import (
    CorpusObject,
    StandinCorpus,
    image_caption,
    load_corpus,
    object_caption,
    object_view,
)
from risseg.standins.training import train_epochs, write_done, write_open_clip

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
CaptionFn = Callable[[CorpusObject, np.random.Generator], str]


def create_model(model_cfg: dict, name: str, out_dir: Path):
    """A randomly initialised open_clip model of ``model_cfg`` (registered as ``name`` through a
    config file in ``out_dir``) and its evaluation transform (OpenAI mean / std)."""
    import open_clip

    from risseg.foundation.clip_scorers import register_open_clip_config

    out_dir.mkdir(parents=True, exist_ok=True)
    cfg_file = out_dir / "arch.json"
    cfg_file.write_text(json.dumps(model_cfg), encoding="utf-8")
    register_open_clip_config(name, cfg_file)
    model, _, transform = open_clip.create_model_and_transforms(
        name, pretrained=None, image_mean=OPENAI_MEAN, image_std=OPENAI_STD
    )
    return model, transform


def epoch_samples(
    corpus: StandinCorpus,
    rng: np.random.Generator,
    view_probs: dict[str, float],
    whole_images: bool,
) -> list[tuple[str, int]]:
    """One epoch's shuffled ``(view, index)`` list: every object once in a view drawn from
    ``view_probs`` (index into ``corpus.objects``) and, if ``whole_images``, every image once
    as ``('image', image index)``."""
    views = rng.choice(list(view_probs), size=len(corpus.objects), p=list(view_probs.values()))
    samples = [(str(v), i) for i, v in enumerate(views)]
    if whole_images:
        samples += [("image", i) for i in range(len(corpus.images))]
    return [samples[i] for i in rng.permutation(len(samples))]


def render_sample(
    corpus: StandinCorpus,
    sample: tuple[str, int],
    rng: np.random.Generator,
    by_image: dict[int, list],
    caption_fn: CaptionFn = object_caption,
) -> tuple[np.ndarray, str]:
    """The ``(H, W, 3)`` uint8 view and its caption for one sample (randomly flipped)."""
    view, index = sample
    if view == "image":
        pixels, caption = corpus.images[index], image_caption(by_image[index], rng)
    else:
        obj = corpus.objects[index]
        pixels = object_view(corpus.images[obj.image], obj, view, rng)
        caption = caption_fn(obj, rng)
    if rng.random() < 0.5:  # every SynthRef shape is mirror-symmetric
        pixels = pixels[:, ::-1]
    return np.ascontiguousarray(pixels), caption


def make_batches(
    corpus: StandinCorpus,
    transform,
    tokenizer,
    *,
    seed: int,
    batch_size: int,
    view_probs: dict[str, float],
    whole_images: bool,
    caption_fn: CaptionFn = object_caption,
) -> Callable[[int], Iterator[tuple[torch.Tensor, torch.Tensor]]]:
    """``batches(epoch)`` yielding ``(images (B, 3, S, S), tokens (B, L))`` (last partial batch
    dropped); ``steps_per_epoch(...)`` gives their number."""
    by_image: dict[int, list] = {}
    for obj in corpus.objects:
        by_image.setdefault(obj.image, []).append(obj)

    def batches(epoch: int):
        rng = np.random.default_rng([seed, epoch])
        samples = epoch_samples(corpus, rng, view_probs, whole_images)
        for start in range(0, len(samples) - batch_size + 1, batch_size):
            pairs = [
                render_sample(corpus, s, rng, by_image, caption_fn)
                for s in samples[start : start + batch_size]
            ]
            images = torch.stack([transform(Image.fromarray(p)) for p, _ in pairs])
            yield images, tokenizer([c for _, c in pairs])

    return batches


def steps_per_epoch(corpus: StandinCorpus, batch_size: int, whole_images: bool) -> int:
    """Full batches per epoch of :func:`make_batches`."""
    return (len(corpus.objects) + (len(corpus.images) if whole_images else 0)) // batch_size


def train_open_clip_part(
    name: str,
    model_name: str,
    model_cfg: dict,
    corpus_root: Path,
    out_dir: Path,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    view_probs: dict[str, float],
    whole_images: bool,
    loss_fn: Callable,
    caption_fn: CaptionFn = object_caption,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> None:
    """Train an open_clip stand-in (``model_cfg`` registered as ``model_name``) on the image-
    caption pairs of the corpus at ``corpus_root`` into ``out_dir`` (resumable per epoch), then
    write its open_clip files and ``done.json``.

    Args:
        name: the part's name in the log (``clip``, ``coca``).
        loss_fn: ``fn(model, (images, tokens)) -> loss``.
        whole_images, view_probs, caption_fn: see :func:`make_batches`.
    """
    import open_clip

    out_dir = Path(out_dir)
    torch.manual_seed(seed)
    model, transform = create_model(model_cfg, model_name, out_dir)
    tokenizer = open_clip.get_tokenizer(model_name)
    t0 = time.perf_counter()
    corpus = load_corpus(corpus_root)
    log(
        f"{name}: corpus {corpus_root}: {len(corpus.images)} images, "
        f"{len(corpus.objects)} objects ({time.perf_counter() - t0:.0f} s)"
    )
    batches = make_batches(
        corpus,
        transform,
        tokenizer,
        seed=seed,
        batch_size=batch_size,
        view_probs=view_probs,
        whole_images=whole_images,
        caption_fn=caption_fn,
    )
    progress = train_epochs(
        model,
        out_dir,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch(corpus, batch_size, whole_images),
        batches=batches,
        loss_fn=loss_fn,
        lr=lr,
        log=log,
        name=name,
    )
    write_open_clip(out_dir, model, model_cfg, OPENAI_MEAN, OPENAI_STD)
    (out_dir / "arch.json").unlink(missing_ok=True)
    write_done(out_dir, progress, model_name=model_name, corpus=str(corpus_root))
