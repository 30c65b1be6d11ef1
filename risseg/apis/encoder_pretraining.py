"""Mask-free pretraining of a toy LAVT's Swin and BERT on a SynthRef corpus.

The stand-in for the ImageNet-22k Swin and the pretrained BERT that every real LAVT / SemiRES
run starts from (see :mod:`risseg.datasets.synthref.pretraining`): the Swin stages learn
image-level shape / colour classification, the BERT learns masked-word prediction on the
corpus's expressions. Neither sees a mask, a box or which object an expression refers to. The
outputs load through the same options as real weights: ``SwinPWAM(pretrained=<swin.pth>)`` and
``BertTextEncoder(pretrained=<bert dir>)``.

Both tasks save their state after every epoch and resume from it. They train with their own
loop rather than mmengine's Runner (docs/design.md says why).
"""

from __future__ import annotations

import json
import math
import os
import os.path as osp
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from PIL import Image
from torch import Tensor, nn
from tqdm import tqdm
from transformers import BertConfig, BertForMaskedLM

from risseg.datasets.refer import load_refs
from risseg.datasets.synthref.pretraining import attribute_targets, mask_tokens
from risseg.engine.checkpoint import load_local_checkpoint
from risseg.models.layers.swin_window import swin_stage_pad_shift


class SwinClassifier(nn.Module):
    """The Swin stages of a ``SwinPWAM`` (no language fusion) + mean pool + linear classifier.

    The stages run as in ``SwinPWAM`` (:func:`swin_stage_pad_shift`: pad to the window grid,
    then shift, as the official Swin), so what is pretrained here is the network LAVT fine-tunes.

    Args:
        backbone: a built ``SwinPWAM``; only ``patch_embed`` and ``layers`` are used (and
            saved), as the official Swin checkpoints hold only those for LAVT.
        num_classes: K.
    """

    def __init__(self, backbone: nn.Module, num_classes: int) -> None:
        super().__init__()
        self.patch_embed, self.layers = backbone.patch_embed, backbone.layers
        width = backbone.out_channels[-1]
        self.head = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        """(B, 3, H, W) normalised images -> (B, K) logits."""
        x = self.patch_embed(x)  # (B, H / 4, W / 4, C) channels-last
        for stage in self.layers:
            x = swin_stage_pad_shift(stage, x)  # (B, h, w, C_i)
        return self.head(x.mean(dim=(1, 2)))

    def swin_state_dict(self) -> dict[str, Tensor]:
        """The Swin weights under timm's names (``patch_embed.*``, ``layers.*``)."""
        return {
            k: v.detach().clone()
            for k, v in self.state_dict().items()
            if k.startswith(("patch_embed.", "layers."))
        }


def _atomic_save(obj, path: str) -> None:
    tmp = f"{path}.tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _train_epochs(
    name: str,
    model: nn.Module,
    step: Callable[[np.ndarray], Tensor],
    evaluate: Callable[[], dict],
    num_items: int,
    epochs: int,
    batch_size: int,
    lr: float,
    state_path: str,
    seed: int,
) -> list[dict]:
    """AdamW, warm-up + cosine over ``epochs``; saves after each epoch, resumes from ``state_path``.

    ``step(indices)`` returns the loss of a batch; ``evaluate()`` the held-out figures logged
    after each epoch. Returns the per-epoch log.
    """
    steps_per_epoch = max(1, num_items // batch_size)
    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    total, warmup = epochs * steps_per_epoch, max(1, epochs * steps_per_epoch // 10)

    def factor(i: int) -> float:  # linear warm-up, then cosine to 0 at ``total``
        if i < warmup:
            return (i + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (i - warmup) / max(1, total - warmup))))

    # a LambdaLR keeps only its step count in the state, so a resumed run may extend ``epochs``
    sched = torch.optim.lr_scheduler.LambdaLR(optim, factor)
    start, log = 0, []
    if osp.exists(state_path):
        state = load_local_checkpoint(state_path, map_location="cpu")
        model.load_state_dict(state["model"])
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        start, log = state["epoch"], state["log"]
        print_log(f"{name}: resumed after epoch {start} from {state_path}", "current")
    for epoch in range(start, epochs):
        model.train()
        order = np.random.default_rng(seed + epoch).permutation(num_items)
        losses = []
        bar = tqdm(range(steps_per_epoch), desc=f"{name} epoch {epoch + 1}/{epochs}", leave=False)
        for i in bar:
            loss = step(order[i * batch_size : (i + 1) * batch_size])
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}")
        model.eval()
        with torch.no_grad():
            record = dict(epoch=epoch + 1, train_loss=float(np.mean(losses)), **evaluate())
        log.append(record)
        print_log(f"{name}: {json.dumps(record)}", "current")
        _atomic_save(
            dict(
                model=model.state_dict(),
                optim=optim.state_dict(),
                sched=sched.state_dict(),
                epoch=epoch + 1,
                log=log,
            ),
            state_path,
        )
    return log


def load_corpus_images(corpus: str) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Images and image-level targets of a SynthRef corpus.

    Returns:
        images uint8 (N, H, W, 3), targets float32 (N, K), class names (K,), and a bool (N,)
        marking the corpus's held-out images (its ``val`` and ``test`` splits).
    """
    with open(osp.join(corpus, "attributes.json"), encoding="utf-8") as f:
        attributes = json.load(f)
    with open(osp.join(corpus, "instances.json"), encoding="utf-8") as f:
        files = {img["id"]: img["file_name"] for img in json.load(f)["images"]}
    image_ids, targets, names = attribute_targets(attributes)
    held_out_images = {
        r["image_id"] for r in load_refs(osp.join(corpus, "refs(synth).p")) if r["split"] != "train"
    }
    images = []
    for image_id in image_ids:
        path = osp.join(corpus, "images", files[image_id])
        try:
            images.append(np.asarray(Image.open(path).convert("RGB")))
        except OSError as err:
            msg = f"pretraining corpus: cannot read image {image_id} ({path}): {err}"
            raise OSError(msg) from err
    held_out = np.array([i in held_out_images for i in image_ids])
    return np.stack(images), targets, names, held_out


def pretrain_swin(
    backbone: nn.Module,
    corpus: str,
    out_path: str,
    mean: tuple[float, float, float],
    std: tuple[float, float, float],
    epochs: int = 60,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[dict]:
    """Multi-label shape / colour / pair classification; writes the Swin weights to ``out_path``.

    Args:
        backbone: a built ``SwinPWAM`` (its Swin stages are trained in place).
        corpus: folder of a SynthRef corpus (not the benchmark's own data).
        out_path: ``.pth`` written at the end (``{"state_dict": timm-named Swin weights}``).
        mean, std: the RGB normalisation of the segmentor's data preprocessor (0-255 scale).
        epochs, batch_size, lr, seed: schedule (random horizontal flips as augmentation).

    Returns:
        per-epoch log: train loss, held-out loss and micro F1 at probability 0.5.
    """
    images, targets, names, held_out = load_corpus_images(corpus)
    model = SwinClassifier(backbone, len(names))
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    rng = np.random.default_rng(seed)

    def to_input(batch: np.ndarray) -> Tensor:  # (B, H, W, 3) uint8 -> (B, 3, H, W) normalised
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).float()
        return (x - mean_t) / std_t

    train_idx, val_idx = np.flatnonzero(~held_out), np.flatnonzero(held_out)

    def step(idx: np.ndarray) -> Tensor:
        batch = images[train_idx[idx]]
        flip = rng.random(len(batch)) < 0.5
        batch = np.where(flip[:, None, None, None], batch[:, :, ::-1], batch)
        logits = model(to_input(np.ascontiguousarray(batch)))
        return F.binary_cross_entropy_with_logits(logits, torch.from_numpy(targets[train_idx[idx]]))

    def evaluate() -> dict:
        logits = torch.cat(
            [model(to_input(images[val_idx[i : i + 256]])) for i in range(0, len(val_idx), 256)]
        )
        y = torch.from_numpy(targets[val_idx])
        pred = logits > 0
        tp = (pred & (y > 0)).sum().item()
        f1 = 2 * tp / max(1, pred.sum().item() + (y > 0).sum().item())
        return dict(val_loss=F.binary_cross_entropy_with_logits(logits, y).item(), val_f1=f1)

    log = _train_epochs(
        "swin",
        model,
        step,
        evaluate,
        len(train_idx),
        epochs,
        batch_size,
        lr,
        out_path + ".state",
        seed,
    )
    _atomic_save(dict(state_dict=model.swin_state_dict(), classes=names, log=log), out_path)
    return log


def corpus_sentences(corpus: str) -> tuple[list[str], list[str]]:
    """Expressions of a SynthRef corpus: (train-split sentences, held-out sentences)."""
    train, held_out = [], []
    for ref in load_refs(osp.join(corpus, "refs(synth).p")):
        for sent in ref["sentences"]:
            (train if ref["split"] == "train" else held_out).append(sent["sent"])
    return train, held_out


def pretrain_bert(
    bert_config: dict,
    tokenizer: Callable[[str, int], tuple[list[int], list[bool]]],
    num_token_ids: int,
    corpus: str,
    out_dir: str,
    max_length: int = 16,
    epochs: int = 60,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[dict]:
    """Masked language modelling on the corpus's expressions; saves a BERT to ``out_dir``.

    Args:
        bert_config: ``BertConfig`` keyword arguments of the segmentor's text encoder.
        tokenizer: the segmentor's word tokenizer, ``(text, max_length) -> (ids, mask)``.
        num_token_ids: ids the tokenizer can emit (PAD, UNK, CLS, words); id
            ``num_token_ids`` serves as [MASK] and must be < ``bert_config['vocab_size']``.
        corpus: folder of a SynthRef corpus.
        out_dir: HuggingFace folder written at the end (``BertModel.from_pretrained`` loads it).
        max_length, epochs, batch_size, lr, seed: tokenisation length and schedule.

    Returns:
        per-epoch log: train loss, held-out masked-word accuracy.
    """
    mask_id = num_token_ids
    if mask_id >= bert_config["vocab_size"]:
        raise ValueError(
            f"BERT vocab_size {bert_config['vocab_size']} leaves no id for [MASK] after the "
            f"tokenizer's {num_token_ids} ids."
        )
    model = BertForMaskedLM(BertConfig(**bert_config))
    train_text, val_text = corpus_sentences(corpus)

    def encode(texts: list[str]) -> tuple[Tensor, Tensor]:
        pairs = [tokenizer(t, max_length) for t in texts]
        return (torch.tensor([p[0] for p in pairs]), torch.tensor([p[1] for p in pairs]))

    ids, mask = encode(train_text)
    val_ids, val_mask = encode(val_text)
    gen = torch.Generator().manual_seed(seed)
    val_in, val_labels = mask_tokens(
        val_ids, val_mask, mask_id, num_token_ids, generator=torch.Generator().manual_seed(seed + 1)
    )

    def step(idx: np.ndarray) -> Tensor:
        idx_t = torch.from_numpy(idx)
        inputs, labels = mask_tokens(ids[idx_t], mask[idx_t], mask_id, num_token_ids, generator=gen)
        return model(input_ids=inputs, attention_mask=mask[idx_t].long(), labels=labels).loss

    def evaluate() -> dict:
        logits = model(input_ids=val_in, attention_mask=val_mask.long()).logits
        chosen = val_labels != -100
        acc = (logits.argmax(-1)[chosen] == val_labels[chosen]).float().mean().item()
        return dict(val_masked_word_acc=acc)

    log = _train_epochs(
        "bert",
        model,
        step,
        evaluate,
        len(train_text),
        epochs,
        batch_size,
        lr,
        out_dir.rstrip("/") + ".state",
        seed,
    )
    model.bert.save_pretrained(out_dir)
    return log
