"""Inference: build a model from a config and checkpoint, then segment(images, texts).

    model = init_segmentor("configs/seqtr/segm_synthref.py", "work_dirs/.../epoch_5.pth")
    result = segment(model, "image.png", "the red star left of the circle")
    result.mask  # (H, W) bool at the image's own resolution
    results = segment(model, "image.png", ["the red star", "the blue circle"])  # batched

The image goes through the config's test pipeline without the transforms that read
annotations, so it is resized, padded and tokenised exactly as at evaluation time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from torch import nn

from risseg.engine import load_local_checkpoint
from risseg.engine.checkpoint import check_state_dict_fit
from risseg.registry import MODELS, TRANSFORMS

# transforms that need a dataset entry (sentences, GT masks or boxes) rather than an image
ANNOTATION_TRANSFORMS = frozenset(
    {"SelectSentence", "LoadReferAnnotations", "BoxPriorMask", "SampleContourPoints"}
)


@dataclass
class Segmentation:
    """One prediction at the input image's resolution.

    Attributes:
        mask: (H, W) bool mask of the referred object.
        points: (M, 2) float x, y contour points (sequence heads), else None.
        box: (4,) float x1, y1, x2, y2 box (sequence heads), else None.
    """

    mask: np.ndarray
    points: np.ndarray | None = None
    box: np.ndarray | None = None


def init_segmentor(
    config: str | Config,
    checkpoint: str | None = None,
    device: str = "cpu",
    cfg_options: dict | None = None,
) -> nn.Module:
    """Build the config's model, load a local checkpoint and put it in eval mode.

    A checkpoint saved with ``ema=True`` holds the EMA weights in ``state_dict`` (mmengine's
    EMAHook swaps them in before saving), so those are the weights used.

    Args:
        config: config file or loaded Config.
        checkpoint: local ``.pth`` file (None keeps the initial weights, for tests).
        device: torch device string.
        cfg_options: overrides merged into the config, as ``--cfg-options``.

    Returns:
        The model, with the config as ``model.cfg`` and its inference pipeline as
        ``model.inference_pipeline``.

    Raises:
        CheckpointMismatchError: (a ``KeyError``) the checkpoint has missing, unexpected or
            reshaped weights (:func:`risseg.engine.checkpoint.check_state_dict_fit`).
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get("default_scope", "risseg"))
    model_cfg = cfg.model.copy()
    if model_cfg.get("burn_in_checkpoint") is not None:
        model_cfg.burn_in_checkpoint = None  # the checkpoint below holds every weight
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        state = load_local_checkpoint(checkpoint, map_location="cpu")
        state = state.get("state_dict", state)
        check_state_dict_fit(model, state, checkpoint)  # the rule of tools/train.py, test.py
        model.load_state_dict(state, strict=False)  # tolerated keys aside, every key fits
    model.cfg = cfg
    # built once: its tokenizer reads a vocabulary or tokenizer files from disk
    model.inference_pipeline = inference_pipeline(cfg)
    return model.to(device).eval()


def inference_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline without the annotation-reading transforms."""
    steps = [
        t for t in cfg.test_dataloader.dataset.pipeline if t["type"] not in ANNOTATION_TRANSFORMS
    ]
    if not steps or steps[0]["type"] != "LoadImage":
        raise ValueError("The test pipeline must start with LoadImage for inference.")
    return Compose([TRANSFORMS.build(t) for t in steps])  # risseg's registry, any scope


ImageInput = str | np.ndarray


def _loaded(model: nn.Module, image: ImageInput) -> dict:
    """The pipeline's results after loading ``image`` (a file through ``LoadImage``)."""
    if isinstance(image, str):
        return model.inference_pipeline.transforms[0](dict(img_path=image))
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(
            f"image must be an (H, W, 3) uint8 RGB array, got {img.shape} {img.dtype}."
        )
    h, w = img.shape[:2]
    return dict(
        img_path="<array>",
        img=img,
        ori_shape=(h, w),
        img_shape=(h, w),
        pad_shape=(h, w),
        img_offset=(0, 0),
        scale_factor=(1.0, 1.0),
        flip=False,
    )


def _pairs(images: ImageInput | list[ImageInput], texts: str | list[str]) -> list:
    """(image, text) pairs: one image with one or several texts, or equal-length lists."""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(images, (str, np.ndarray)):
        return [(images, text) for text in texts]
    images = list(images)
    if len(images) != len(texts):
        raise ValueError(
            f"{len(images)} images and {len(texts)} texts: give one image with "
            f"any number of texts, or as many images as texts."
        )
    return list(zip(images, texts, strict=True))


def _segmentation(sample) -> Segmentation:
    """The :class:`Segmentation` of one predicted sample."""

    def numpy_field(name: str) -> np.ndarray | None:
        value = sample.get(name)
        return None if value is None else value.detach().cpu().numpy().astype(np.float32)

    return Segmentation(
        mask=sample.pred_mask.data[0].cpu().numpy().astype(bool),
        points=numpy_field("pred_points"),
        box=numpy_field("pred_bbox"),
    )


@torch.no_grad()
def segment(
    model: nn.Module,
    images: ImageInput | list[ImageInput],
    texts: str | list[str],
    batch_size: int = 16,
) -> Segmentation | list[Segmentation]:
    """Segment the object each expression refers to, in batches.

    Each image is loaded once. Inputs are batched only with inputs of the same padded shape, so
    every result equals the one of a call with that (image, text) pair alone.

    Args:
        model: from :func:`init_segmentor`.
        images: an image file or (H, W, 3) uint8 RGB array, or a list of them.
        texts: one referring expression, or a list. One image with a list of texts segments
            each text in that image; a list of images needs a list of texts of the same length
            (pairs). Empty text raises ValueError.
        batch_size: pairs per forward pass.

    Returns:
        One :class:`Segmentation` at its image's resolution when ``images`` is one image and
        ``texts`` one string, else a list in the order of the pairs.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    pairs = _pairs(images, texts)
    rest = Compose(model.inference_pipeline.transforms[1:])  # after LoadImage
    loaded: dict[tuple, dict] = {}
    packed = []
    for image, text in pairs:
        key = ("array", id(image)) if isinstance(image, np.ndarray) else ("file", image)
        if key not in loaded:
            loaded[key] = _loaded(model, image)
        packed.append(rest(dict(loaded[key], text=text)))
    by_shape: dict[tuple, list[int]] = {}
    for index, item in enumerate(packed):
        by_shape.setdefault(tuple(item["inputs"].shape), []).append(index)
    results: list[Segmentation | None] = [None] * len(pairs)
    for indices in by_shape.values():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            samples = model.test_step(pseudo_collate([packed[i] for i in chunk]))
            for i, sample in zip(chunk, samples, strict=True):
                results[i] = _segmentation(sample)
    single = isinstance(images, (str, np.ndarray)) and isinstance(texts, str)
    return results[0] if single else results
