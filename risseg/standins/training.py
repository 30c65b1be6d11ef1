"""A small resumable training loop shared by the stand-in parts, and the open_clip output layout.

Each epoch ends with ``out_dir/train_state.pt`` (model, optimiser, epoch, CPU/wall seconds so
far); a killed run continues from the last finished epoch. Batches are drawn from a generator
seeded by ``(seed, epoch)``, so a resumed run sees the same data as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

STATE_FILE = "train_state.pt"
DONE_FILE = "done.json"


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """AdamW groups: decay on matrices / kernels, none on gains, biases, embeddings, scales."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        flat = p.ndim < 2 or "embedding" in name or "logit_scale" in name or "ln" in name
        (no_decay if flat else decay).append(p)
    return [dict(params=decay, weight_decay=weight_decay), dict(params=no_decay, weight_decay=0.0)]


def cosine_lr(step: int, total: int, base: float, warmup: int) -> float:
    """Linear warm-up for ``warmup`` steps, then cosine decay to 0 at ``total``."""
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * min(1.0, progress)))


def _run_epoch(model, opt, batches: Iterable[Any], loss_fn, schedule: dict) -> list[float]:
    """One epoch of AdamW steps on the cosine schedule; returns the batch losses."""
    model.train()
    losses = []
    for i, batch in enumerate(batches):
        step_lr = cosine_lr(
            schedule["first"] + i, schedule["total"], schedule["lr"], schedule["warmup"]
        )
        for group in opt.param_groups:
            group["lr"] = step_lr
        loss = loss_fn(model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def train_epochs(
    model: nn.Module,
    out_dir: Path,
    *,
    epochs: int,
    steps_per_epoch: int,
    batches: Callable[[int], Iterable[Any]],
    loss_fn: Callable[[nn.Module, Any], torch.Tensor],
    lr: float,
    weight_decay: float = 0.1,
    warmup: int = 100,
    log: Callable[[str], None] = print,
    name: str = "",
) -> dict:
    """Train ``model`` for ``epochs``, resuming from ``out_dir/train_state.pt`` if present.

    Args:
        model: the module (trained in place).
        out_dir: folder of the resume state.
        epochs: total epochs.
        steps_per_epoch: batches per epoch (for the schedule and the ETA).
        batches: ``batches(epoch)`` yields the epoch's batches.
        loss_fn: ``loss_fn(model, batch)`` -> scalar loss.
        lr, weight_decay, warmup: AdamW and the cosine schedule.
        log: progress sink.
        name: prefix of the progress lines.

    Returns:
        ``dict(epochs, cpu_seconds, wall_seconds, final_loss)`` over all (resumed) runs.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    opt = torch.optim.AdamW(param_groups(model, weight_decay), lr=lr, betas=(0.9, 0.98), eps=1e-6)
    state = dict(epoch=0, cpu_seconds=0.0, wall_seconds=0.0, final_loss=float("nan"))
    path = out_dir / STATE_FILE
    if path.is_file():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        state = saved["progress"]
        log(f"{name}: resuming after epoch {state['epoch']}/{epochs} ({path})")
    schedule = dict(first=0, total=epochs * steps_per_epoch, lr=lr, warmup=warmup)
    for epoch in range(state["epoch"], epochs):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        schedule["first"] = epoch * steps_per_epoch
        losses = _run_epoch(model, opt, batches(epoch), loss_fn, schedule)
        wall = time.perf_counter() - wall0
        state = dict(
            epoch=epoch + 1,
            cpu_seconds=state["cpu_seconds"] + time.process_time() - cpu0,
            wall_seconds=state["wall_seconds"] + wall,
            final_loss=sum(losses) / max(1, len(losses)),
        )
        torch.save(dict(model=model.state_dict(), optimizer=opt.state_dict(), progress=state), path)
        eta = wall * (epochs - epoch - 1)
        log(
            f"{name}: epoch {epoch + 1}/{epochs} loss {state['final_loss']:.4f} "
            f"({len(losses)} steps, {wall:.0f} s, ETA {eta / 60:.1f} min)"
        )
    return state


def write_open_clip(
    out_dir: Path, model: nn.Module, model_cfg: dict, image_mean: tuple, image_std: tuple
) -> None:
    """Write ``open_clip_config.json`` (the Hugging Face hub layout: ``model_cfg`` and
    ``preprocess_cfg``) and ``open_clip_model.safetensors``."""
    from safetensors.torch import save_file

    config = dict(
        model_cfg=model_cfg, preprocess_cfg=dict(mean=list(image_mean), std=list(image_std))
    )
    (out_dir / "open_clip_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    save_file(tensors, str(out_dir / "open_clip_model.safetensors"))


def write_done(out_dir: Path, progress: dict, **extra: Any) -> None:
    """``out_dir/done.json``: training seconds, epochs, final loss and ``extra``."""
    done = dict(
        epochs=progress["epoch"],
        cpu_seconds=round(progress["cpu_seconds"], 1),
        wall_seconds=round(progress["wall_seconds"], 1),
        final_loss=round(progress["final_loss"], 4),
        **extra,
    )
    (out_dir / DONE_FILE).write_text(json.dumps(done, indent=2), encoding="utf-8")
