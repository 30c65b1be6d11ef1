"""SynthRef stand-in grounded detector: a tiny transformers OWLv2 trained on shape names.

``train_part`` trains a small ``Owlv2ForObjectDetection`` (ViT at the corpus image size, patch
16; a 2-layer text tower over a local BPE tokenizer of SynthRef's words) on the stand-in
corpus's category-name boxes: each image is queried with every shape name (or one of its
synonyms) plus a few names of shapes SynthRef never draws, and learns a DETR-style set loss
(:mod:`risseg.standins.detection_loss`) on the model's own ``logits`` / ``pred_boxes``. The
folder it writes loads as ``dict(type='OWLv2Detector', path=<out_dir>)``.

``evaluate_part`` measures COCO AP@0.5 per shape on a benchmark split through
:class:`~risseg.foundation.hf_detectors.OWLv2Detector`, and the recall / precision of the
detections S+S+C keeps (box 0.35 / text 0.25).
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from risseg.datasets.synthref.expressions import SHAPE_WORDS
from risseg.datasets.synthref.shapes import SHAPES
from risseg.standins.detection_loss import set_loss
from risseg.standins.detector_eval import evaluate_detector
from risseg.standins.training import train_epochs, write_done

IMAGE_SIZE = 128
MAX_TOKENS = 16
VISION = dict(
    hidden_size=128,
    intermediate_size=512,
    num_hidden_layers=6,
    num_attention_heads=4,
    image_size=IMAGE_SIZE,
    patch_size=16,
)
TEXT = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=2,
    max_position_embeddings=MAX_TOKENS,
)
# Names of shapes SynthRef never draws, queried as negatives: an unknown name must not fire.
NEGATIVE_NAMES = ("hexagon", "pentagon", "octagon", "heart", "cross", "arrow", "moon", "spiral")
NUM_NEGATIVES = 3
# AP@0.5 on the benchmark's val split: 0.08 after 14 epochs, 0.54 after 40, 0.76 after 100
# (docs/foundation_models.md, "SynthRef stand-ins").
EPOCHS = 100
BATCH_SIZE = 16
LR = 1e-3
WEIGHT_DECAY = 0.05
WARMUP_STEPS = 200
LOG_EVERY = 50
TEXT_WARMUP_STEPS = 300


def tokenizer_words() -> list[str]:
    """The words the stand-in tokenizer keeps whole: shape names, synonyms, negative names."""
    words = [w for ws in SHAPE_WORDS.values() for w in ws]
    return list(dict.fromkeys(words + list(NEGATIVE_NAMES)))


def build_tokenizer(words: Sequence[str]):
    """A local CLIP BPE tokenizer: lower-case letters plus left-to-right merges of ``words``.

    Any lower-case word tokenizes (letters at worst); the start / end tokens take the last ids
    because OWL models treat a query whose first id is 0 as padding.
    """
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {}
    for c in string.ascii_lowercase:
        vocab.setdefault(c, len(vocab))
        vocab.setdefault(c + "</w>", len(vocab))
    merges: list[tuple[str, str]] = []
    # longest words first, so that a short word's merges rarely split a longer word
    for word in sorted(words, key=len, reverse=True):
        symbols = list(word[:-1]) + [word[-1] + "</w>"]
        current = symbols[0]
        for sym in symbols[1:]:
            merges.append((current, sym))
            current += sym
            vocab.setdefault(current, len(vocab))
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    return CLIPTokenizer(
        vocab=vocab, merges=list(dict.fromkeys(merges)), model_max_length=MAX_TOKENS
    )


def build_processor(tokenizer):
    """``Owlv2Processor`` at the stand-in's image size around ``tokenizer``."""
    from transformers import Owlv2ImageProcessor, Owlv2Processor

    size = {"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    return Owlv2Processor(image_processor=Owlv2ImageProcessor(size=size), tokenizer=tokenizer)


def build_model(tokenizer, seed: int = 0):
    """A randomly initialised stand-in ``Owlv2ForObjectDetection`` (about 1.5 M parameters)."""
    from transformers import Owlv2Config, Owlv2ForObjectDetection

    sot, eot = tokenizer.bos_token_id, tokenizer.eos_token_id
    text = dict(TEXT, vocab_size=len(tokenizer), bos_token_id=sot, eos_token_id=eot)
    text["pad_token_id"] = eot
    config = Owlv2Config(text_config=text, vision_config=VISION, projection_dim=TEXT["hidden_size"])
    torch.manual_seed(seed)
    model = Owlv2ForObjectDetection(config)
    _init_heads(model)
    return model


def _init_heads(model) -> None:
    """Start the detection heads where a from-scratch detector trains well.

    transformers leaves them at unit-variance weights (real checkpoints overwrite them), which
    saturates the boxes and logits. Here: PyTorch's default linear init; box offsets 0 (each
    patch starts at its own prior box); query similarity scaled by 10 and shifted so that every
    class probability starts near 0.01 (the focal-loss prior).
    """
    heads = (model.class_head, model.box_head, model.objectness_head)
    for module in (m for head in heads for m in head.modules()):
        if isinstance(module, torch.nn.Linear):
            module.reset_parameters()
    torch.nn.init.zeros_(model.box_head.dense2.weight)
    torch.nn.init.zeros_(model.box_head.dense2.bias)
    scale, prior = 10.0, 0.01
    for layer, bias in (
        (model.class_head.logit_scale, scale - 1.0),  # elu(b) + 1 = scale
        (model.class_head.logit_shift, -math.log((1 - prior) / prior) / scale),
    ):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.constant_(layer.bias, bias)


def load_corpus(corpus_root: Path) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
    """Every corpus image and its shape boxes.

    Returns:
        ``images`` ``(N, 3, S, S)`` uint8 RGB and per image ``(labels (T,) long index into
        SHAPES, boxes (T, 4) normalised cx, cy, w, h)``.
    """
    path = Path(corpus_root) / "instances.json"
    if not path.is_file():
        raise FileNotFoundError(f"detector stand-in: no corpus annotations at {path}")
    inst = json.loads(path.read_text())
    shape_of = {c["id"]: c["name"] for c in inst["categories"]}
    anns: dict[int, list[dict]] = {}
    for ann in inst["annotations"]:
        anns.setdefault(ann["image_id"], []).append(ann)
    images, targets = [], []
    for info in inst["images"]:
        file = Path(corpus_root) / "images" / info["file_name"]
        image = np.asarray(Image.open(file).convert("RGB"))
        if image.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"{file}: expected {IMAGE_SIZE}x{IMAGE_SIZE}, got {image.shape[:2]}")
        labels, boxes = [], []
        for ann in anns.get(info["id"], []):
            if shape_of.get(ann["category_id"]) not in SHAPES:
                raise ValueError(f"{path}: annotation {ann['id']} has an unknown category")
            x, y, w, h = ann["bbox"]
            labels.append(SHAPES.index(shape_of[ann["category_id"]]))
            boxes.append([x + w / 2, y + h / 2, w, h])
        images.append(torch.from_numpy(image.copy()).permute(2, 0, 1))
        targets.append(
            (
                torch.tensor(labels, dtype=torch.long),
                torch.tensor(boxes, dtype=torch.float32).view(-1, 4) / IMAGE_SIZE,
            )
        )
    return torch.stack(images), targets


def draw_queries(rng: np.random.Generator) -> list[str]:
    """One image's queries: each shape's name or a synonym (in SHAPES order), then negatives."""
    names = [
        SHAPE_WORDS[s][0] if rng.random() < 0.5 else str(rng.choice(SHAPE_WORDS[s])) for s in SHAPES
    ]
    return names + [str(n) for n in rng.choice(NEGATIVE_NAMES, NUM_NEGATIVES, replace=False)]


def warm_up_text(model, processor, steps: int = TEXT_WARMUP_STEPS, lr: float = 1e-3) -> float:
    """Separate the name embeddings of the text tower before detection training.

    A from-scratch OWL text tower maps every name to nearly the same embedding (the common
    start / end tokens dominate), and the set loss alone then keeps queries and patch
    features tied to each other. This short warm-up (a stand-in for the pretrained CLIP text
    tower OWL starts from) makes names of one shape (a name and its synonyms) coincide and
    names of different shapes orthogonal: mean squared error of their cosine similarities.
    ``train_part`` then freezes the text tower, so that the set loss cannot pull the names
    back together while the image side learns to tell the shapes apart.

    Returns:
        The final warm-up loss.
    """
    words = tokenizer_words()
    group = {w: s for s, ws in SHAPE_WORDS.items() for w in ws}
    ids = [group.get(w, w) for w in words]
    target = torch.tensor([[float(a == b) for b in ids] for a in ids])
    enc = processor(text=[words], return_tensors="pt")
    text = model.owlv2.text_model
    params = list(text.parameters()) + list(model.owlv2.text_projection.parameters())
    optim = torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        pooled = text(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])[1]
        emb = torch.nn.functional.normalize(model.owlv2.text_projection(pooled), dim=-1)
        loss = ((emb @ emb.T - target) ** 2).mean()
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
    return float(loss.detach())


class _Data:
    """The corpus in memory and the batches of one epoch (random h-flips and queries)."""

    def __init__(self, corpus_root: Path, processor, seed: int) -> None:
        self.seed = seed
        self.images, self.targets = load_corpus(corpus_root)
        ip = processor.image_processor
        self.mean = torch.tensor(ip.image_mean).view(1, 3, 1, 1)
        self.std = torch.tensor(ip.image_std).view(1, 3, 1, 1)
        self.words = tokenizer_words()
        enc = processor(text=[self.words], return_tensors="pt")  # as OWLv2Detector encodes
        # the causal text tower's end-token output ignores the padding: train without it
        length = int(enc["attention_mask"].sum(dim=1).max())
        self.word_ids = enc["input_ids"][:, :length]
        self.word_mask = enc["attention_mask"][:, :length]
        self.steps_per_epoch = math.ceil(len(self.images) / BATCH_SIZE)

    def batch(self, index: np.ndarray, rng: np.random.Generator):
        """Model inputs and set-loss targets of the images ``index``."""
        flip = torch.from_numpy(rng.random(len(index)) < 0.5)
        x = self.images[torch.from_numpy(index)].float() / 255.0
        x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
        x = (x - self.mean) / self.std
        rows, targets = [], []
        for i, f in zip(index.tolist(), flip.tolist(), strict=True):
            rows += [self.words.index(q) for q in draw_queries(rng)]
            labels, boxes = self.targets[i]
            if f:
                boxes = boxes.clone()
                boxes[:, 0] = 1.0 - boxes[:, 0]
            targets.append((labels, boxes))  # a shape's query index is its SHAPES index
        rows = torch.tensor(rows)
        inputs = dict(
            pixel_values=x, input_ids=self.word_ids[rows], attention_mask=self.word_mask[rows]
        )
        return inputs, targets

    def batches(self, epoch: int):
        """The batches of ``epoch`` (a generator seeded by ``(seed, epoch)``)."""
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.images))
        for k in range(self.steps_per_epoch):
            yield self.batch(order[k * BATCH_SIZE : (k + 1) * BATCH_SIZE], rng)


def train_part(
    corpus_root: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    epochs: int | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Train the detector stand-in into ``out_dir`` (resumable per epoch).

    Args:
        corpus_root: the stand-in corpus (SynthRef REFER folder with ``instances.json``).
        out_dir: where ``train_state.pt``, the Hugging Face model + processor and
            ``done.json`` go.
        seed: initialisation and data-order seed.
        epochs: total epochs (default :data:`EPOCHS`); a resumed run keeps its
            finished epochs and continues to this total.
        log: progress sink.
    """
    epochs = EPOCHS if epochs is None else epochs
    out_dir = Path(out_dir)
    torch.set_num_threads(1)
    processor = build_processor(build_tokenizer(tokenizer_words()))
    model = build_model(processor.tokenizer, seed)
    data = _Data(Path(corpus_root), processor, seed)
    log(f"detector: text warm-up loss {warm_up_text(model, processor):.2e}; text tower frozen")
    for p in [*model.owlv2.text_model.parameters(), *model.owlv2.text_projection.parameters()]:
        p.requires_grad_(False)
    log(f"detector: {len(data.images)} images, {data.steps_per_epoch} steps/epoch")
    sums: dict[str, float] = {}

    def loss_fn(model, batch) -> torch.Tensor:
        inputs, targets = batch
        out = model(**inputs)
        losses = set_loss(out.logits, out.pred_boxes, targets)
        for name, value in losses.items():
            sums[name] = sums.get(name, 0.0) + float(value.detach())
        sums["steps"] = sums.get("steps", 0) + 1
        if sums["steps"] == LOG_EVERY:
            log("detector: " + " ".join(f"{n} {sums[n] / LOG_EVERY:.3f}" for n in losses))
            sums.clear()
        return losses["loss"]

    progress = train_epochs(
        model,
        out_dir,
        epochs=epochs,
        steps_per_epoch=data.steps_per_epoch,
        batches=data.batches,
        loss_fn=loss_fn,
        lr=LR,
        weight_decay=WEIGHT_DECAY,
        warmup=WARMUP_STEPS,
        log=log,
        name="detector",
    )
    model.eval().save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    write_done(out_dir, progress, images=len(data.images), batch_size=BATCH_SIZE)
    log(f"detector: done, {progress['cpu_seconds'] / 60:.1f} CPU min -> {out_dir}")


def evaluate_part(out_dir: Path, data_root: Path, split: str = "val") -> dict[str, float]:
    """AP@0.5 per shape and S+S+C-threshold recall on a benchmark split.

    Loads ``dict(type='OWLv2Detector', path=out_dir)`` as a user would; see
    :func:`risseg.standins.detector_eval.evaluate_detector` for the keys.
    """
    from risseg.registry import FOUNDATION_MODELS

    detector = FOUNDATION_MODELS.build(dict(type="OWLv2Detector", path=str(out_dir)))
    return evaluate_detector(detector, Path(data_root), split, list(SHAPES))
