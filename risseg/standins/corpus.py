"""The stand-in corpus: SynthRef images with their attributes, as image-caption pairs.

A corpus is a SynthRef folder generated with another seed than the benchmark (REFER format +
``attributes.json``). The CLIP and CoCa stand-ins learn from it through captions built from
the object attributes alone (shape, colour, size), never from its referring expressions:

* object crops: a square box around the object (``center`` +- ``radius`` times a margin),
  shown plain, masked (pixels outside the object replaced by a fill colour) or with a blurred
  background, the views Pseudo-RIS and S+S+C score with CLIP;
* whole images: a caption listing the objects.

Caption words come from the SynthRef vocabulary (:mod:`risseg.datasets.synthref.expressions`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from risseg.datasets.synthref.expressions import (
    COLOUR_WORDS,
    GENERIC_NOUNS,
    SHAPE_WORDS,
    SIZE_WORDS,
)

CLIP_MEAN_RGB = (122, 116, 104)  # OpenAI CLIP's normalisation mean in 0-255: a neutral grey
OBJECT_TEMPLATES = (
    "a photo of a {}",
    "a {}",
    "the {}",
    "a picture of a {}",
    "a {} on a noisy background",
)
IMAGE_TEMPLATES = ("a photo of {}", "a picture showing {}", "{}")
VIEWS = ("plain", "masked", "blurred")


@dataclass
class CorpusObject:
    """One annotated object: its image (index into :attr:`StandinCorpus.images`), attributes and
    COCO segmentation (polygons or RLE)."""

    image: int
    ann_id: int
    shape: str
    colour: str
    size: str
    center: tuple[float, float]
    radius: float
    segmentation: list | dict


@dataclass
class StandinCorpus:
    """Images ``(N, S, S, 3)`` uint8 RGB, their ids, and every object (see :func:`load_corpus`)."""

    root: Path
    images: np.ndarray
    image_ids: list[int]
    objects: list[CorpusObject]

    def objects_of(self, image: int) -> list[CorpusObject]:
        """The objects of image index ``image``."""
        return [o for o in self.objects if o.image == image]


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; is {path.parent} a SynthRef folder?")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_corpus(root: str | Path, splits: tuple[str, ...] | None = None) -> StandinCorpus:
    """Read a SynthRef folder (``images/``, ``instances.json``, ``attributes.json``).

    Args:
        root: the folder.
        splits: keep only images whose refs belong to these splits (``refs(synth).p``);
            ``None`` keeps every image.

    Returns:
        The corpus; images are loaded into memory (a default corpus is ~150 MB).
    """
    root = Path(root)
    attrs = _read_json(root / "attributes.json")
    inst = _read_json(root / "instances.json")
    files = {im["id"]: im["file_name"] for im in inst["images"]}
    segs = {a["id"]: a["segmentation"] for a in inst["annotations"]}
    keep = None if splits is None else _image_ids_of_splits(root, splits)
    images, ids, objects = [], [], []
    for rec in attrs.get("images", []):
        image_id = rec["image_id"]
        if keep is not None and image_id not in keep:
            continue
        if image_id not in files:
            raise ValueError(f"{root / 'attributes.json'}: image {image_id} not in instances.json")
        path = root / "images" / files[image_id]
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise FileNotFoundError(f"{path}: cannot read image {image_id}")
        for o in rec["objects"]:
            if o["ann_id"] not in segs:
                raise ValueError(
                    f"{root / 'attributes.json'}: object {o['ann_id']} of image {image_id} "
                    "has no annotation in instances.json"
                )
            objects.append(
                CorpusObject(
                    len(images),
                    o["ann_id"],
                    o["shape"],
                    o["colour"],
                    o["size"],
                    tuple(o["center"]),
                    float(o["radius"]),
                    segs[o["ann_id"]],
                )
            )
        images.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        ids.append(image_id)
    if not images:
        raise ValueError(f"{root}: no images (splits={splits})")
    return StandinCorpus(root, np.stack(images), ids, objects)


def _image_ids_of_splits(root: Path, splits: tuple[str, ...]) -> set[int]:
    import pickle

    path = root / "refs(synth).p"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; cannot select splits {splits}")
    with open(path, "rb") as f:
        refs = pickle.load(f)  # noqa: S301 - the project's own REFER file
    return {r["image_id"] for r in refs if r["split"] in splits}


def object_phrase(
    obj: CorpusObject,
    rng: np.random.Generator,
    *,
    p_colour: float = 0.8,
    p_size: float = 0.4,
    p_shape: float = 0.85,
    synonyms: bool = True,
) -> str:
    """A noun phrase for ``obj`` from a random subset of its attributes, e.g. ``big cyan diamond``.

    The shape is named with probability ``p_shape`` (else a generic noun such as ``object``,
    then with the colour always given); synonyms of the vocabulary are drawn when ``synonyms``.
    """
    pick = (lambda words: words[rng.integers(len(words))]) if synonyms else (lambda w: w[0])
    named = rng.random() < p_shape
    words = []
    if rng.random() < p_size:
        words.append(pick(SIZE_WORDS[obj.size]))
    if not named or rng.random() < p_colour:
        words.append(pick(COLOUR_WORDS[obj.colour]))
    words.append(pick(SHAPE_WORDS[obj.shape]) if named else pick(GENERIC_NOUNS))
    return " ".join(words)


def object_caption(obj: CorpusObject, rng: np.random.Generator) -> str:
    """A CLIP-style caption of one object crop, e.g. ``a photo of a small red star``."""
    template = OBJECT_TEMPLATES[rng.integers(len(OBJECT_TEMPLATES))]
    return template.format(object_phrase(obj, rng))


def image_caption(objects: list[CorpusObject], rng: np.random.Generator) -> str:
    """A caption of a whole image listing its objects in random order (``a red star, a ...``)."""
    order = rng.permutation(len(objects))
    phrases = [f"a {object_phrase(objects[i], rng, p_shape=1.0)}" for i in order]
    listing = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    template = IMAGE_TEMPLATES[rng.integers(len(IMAGE_TEMPLATES))]
    return template.format(listing)


def object_box(
    obj: CorpusObject,
    margin: float = 1.3,
    shift: tuple[float, float] = (0.0, 0.0),
) -> tuple[int, int, int, int]:
    """Square box ``(x0, y0, x1, y1)`` (may leave the image) of half side ``radius * margin``,
    its centre moved by ``shift`` (in radii)."""
    half = max(obj.radius * margin, 2.0)
    cx = obj.center[0] + shift[0] * obj.radius
    cy = obj.center[1] + shift[1] * obj.radius
    return (
        int(round(cx - half)),
        int(round(cy - half)),
        int(round(cx + half)),
        int(round(cy + half)),
    )


def object_mask(obj: CorpusObject, side: int) -> np.ndarray:
    """``(side, side)`` bool mask of the object's COCO segmentation (polygons or RLE)."""
    from pycocotools import mask as mask_utils

    seg = obj.segmentation
    if isinstance(seg, list):
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, side, side))
    elif isinstance(seg.get("counts"), list):
        rle = mask_utils.frPyObjects(seg, side, side)
    else:
        rle = dict(
            seg, counts=seg["counts"].encode() if isinstance(seg["counts"], str) else seg["counts"]
        )
    return mask_utils.decode(rle).astype(bool)


def crop_padded(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``image[y0:y1, x0:x1]`` with the parts outside the image filled by edge replication."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return image[y0 + pad : y1 + pad, x0 + pad : x1 + pad]


def object_view(
    image: np.ndarray,
    obj: CorpusObject,
    view: str,
    rng: np.random.Generator | None,
    margin: float = 1.3,
) -> np.ndarray:
    """A crop of ``obj`` (``(h, w, 3)`` uint8) as one of :data:`VIEWS`.

    ``masked``: pixels outside the object take the image's mean colour or CLIP's mean grey;
    ``blurred``: they are Gaussian-blurred. With ``rng`` the margin, centre and fill are jittered
    (training); without, the view is deterministic (evaluation).
    """
    if view not in VIEWS:
        raise ValueError(f"view: expected one of {VIEWS}, got {view!r}")
    shift = (0.0, 0.0)
    if rng is not None:
        margin = margin * rng.uniform(0.85, 1.5)
        shift = tuple(rng.uniform(-0.15, 0.15, size=2))
    if view != "plain":
        mask = object_mask(obj, image.shape[0])
        if view == "masked":
            use_grey = rng is not None and rng.random() < 0.5
            fill = np.array(CLIP_MEAN_RGB) if use_grey else image.reshape(-1, 3).mean(0)
            background = np.broadcast_to(fill.astype(np.uint8), image.shape)
        else:
            background = cv2.GaussianBlur(image, (0, 0), sigmaX=3.0)
        image = np.where(mask[..., None], image, background)
    return crop_padded(image, object_box(obj, margin, shift))
