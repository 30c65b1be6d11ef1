"""Training and inference speed and peak memory of a LAVT or SeqTR config's network, CPU or GPU.

Builds ``cfg.model`` of CONFIG with random weights: checkpoint paths that do not exist here are
dropped (Swin, DarkNet-53 and the heads randomly initialised; a missing BERT directory becomes a
randomly initialised ``BertConfig()``, which is the bert-base-uncased architecture), so the
figures need no downloads and hold for the real weights too (same shapes, same work). Batches
are synthetic: uint8 images at the config's training frame (LAVT: its ``Resize``, 480 x 480 for
RefCOCO; SeqTR: ``LargeScaleJitter``'s ``out_max_size`` square, 640 x 640, the padded frame of a
batch), sentences of the tokenizer length with 3 or more real tokens, one square mask and its box
each. Measured, after warm-up:
  - training step: data preprocessor + forward + loss + backward + the config's optimiser step
    (its ``optim_wrapper``: BERT layers 10-11 stay frozen as in LAVT, SeqTR clips gradients),
    images/s;
  - inference: ``predict`` (LAVT: logits up-sampled to the original size; SeqTR: greedy decoding
    of the 2N + 1 point tokens and the polygon mask), images/s;
  - peak memory: ``torch.cuda.max_memory_allocated`` on a GPU, the process peak RSS on a CPU.
SemiRES configs (a ``SemiRESSegmentor`` around LAVT) are measured as they train: each batch has
the sampler's share of labeled samples (3 of 6 in the RefCOCO configs) and unlabeled ones with
``--proposals`` random box-shaped class-agnostic masks each (SAM gives tens per image); the step
is the student on labeled + strong views, the teacher on the weak views, the refinement, the
losses, the optimiser and the ``EMATeacherHook`` update; ``predict`` runs the teacher.

Usage (from the repository root):
    python benchmarks/model_speed.py configs/lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py \
        --device cuda --batch 8 [--amp float16|bfloat16] [--out lavt_gpu.json]
    python benchmarks/model_speed.py configs/seqtr/segm_refcoco.py --device cuda --batch 128
    python benchmarks/model_speed.py \
        configs/semires/semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-cpi.py --device cuda
    OMP_NUM_THREADS=2 python benchmarks/model_speed.py configs/lavt/lavt_tiny_synthref.py --batch 16
Prints one JSON object (docs/benchmarks.md: "SemiRES / LAVT speed and memory" and "SeqTR speed
and memory").
"""

from __future__ import annotations

import argparse
import os.path as osp
import resource
import sys
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

from risseg.engine.hooks.ema_teacher_hook import ema_update
from risseg.models.utils import build
from risseg.testing import demo_lavt_samples, drop_missing_checkpoints
from risseg.utils import register_all_modules
from risseg.utils.masks import mask_to_bbox

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402


def train_pipeline(cfg: Config) -> list:
    """The training pipeline (the first dataset's, for a ``ConcatDataset`` of semi configs)."""
    dataset = cfg.train_dataloader.dataset
    if "pipeline" not in dataset and dataset.get("datasets"):
        dataset = dataset.datasets[0]
    return list(dataset.get("pipeline", []))


def semi_labeled(cfg: Config) -> int | None:
    """Labeled samples per batch of a ``SemiSupervisedSampler`` config, else None."""
    sampler = cfg.train_dataloader.get("sampler") or {}
    if sampler.get("type") == "SemiSupervisedSampler":
        return int(sampler["num_labeled"])
    return None


def teacher_keep_rate(cfg: Config) -> float | None:
    """``keep_rate`` of the config's ``EMATeacherHook`` (None without one)."""
    for hook in cfg.get("custom_hooks", []):
        if hook.get("type") == "EMATeacherHook":
            return float(hook.get("keep_rate", 0.9996))
    return None


def train_size(cfg: Config) -> tuple[int, int]:
    """(H, W) of the config's largest training frame.

    LAVT's ``Resize`` (no ratio kept) gives its ``scale``; SeqTR's ``LargeScaleJitter`` gives
    ``out_max_size`` squared, the frame a batch is padded to once it holds both a landscape and
    a portrait image at the largest scale.
    """
    for step in train_pipeline(cfg):
        if step.get("type") == "Resize":
            w, h = step["scale"]
            return int(h), int(w)
        if step.get("type") == "LargeScaleJitter":
            side = int(step.get("out_max_size", 640))
            return side, side
    raise ValueError("the config's train pipeline has no Resize or LargeScaleJitter; pass --size")


def text_length(cfg: Config, default: int = 20) -> int:
    """Token length of the config's ``TokenizeText`` step (``default`` without one)."""
    for step in train_pipeline(cfg):
        if step.get("type") == "TokenizeText":
            return int(step.get("max_length", default))
    return default


def synthetic_batch(
    batch: int,
    size: tuple[int, int],
    length: int,
    seed: int,
    num_labeled: int | None = None,
    num_proposals: int = 32,
    sentences_per_ref: int = 3,
) -> dict:
    """A batch as the dataloader yields it: B (3, H, W) uint8 images and B samples.

    Each sample has ``text_ids`` / ``text_mask`` (length,), ``gt_mask`` (1, H, W) and its box
    ``gt_bbox`` (4,) xyxy (SeqTR's point targets are sampled from the mask by its head). With
    ``num_labeled``, samples from that index on are unlabeled (``supervision='none'``) and carry
    ``proposals`` bool (num_proposals, H, W): random boxes, the first one the GT's, and every
    sentence of their ref, ``all_text_ids`` / ``all_text_mask`` (sentences_per_ref, length):
    their own, then random ones.
    """
    h, w = size
    if h != w:
        raise ValueError(f"square inputs only, got {size}")
    if sentences_per_ref < 1:
        raise ValueError(f"sentences_per_ref must be >= 1, got {sentences_per_ref}")
    _, samples = demo_lavt_samples(batch=batch, size=h, length=length, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    for i, sample in enumerate(samples):
        sample.gt_bbox = torch.from_numpy(mask_to_bbox(sample.gt_mask.data[0].numpy()))
        if num_labeled is not None and i >= num_labeled:
            sample.set_metainfo(dict(supervision="none"))
            sample.proposals = PixelData(
                data=random_box_masks(num_proposals, size, gen, first=sample.gt_mask.data[0])
            )
            others = demo_lavt_samples(sentences_per_ref - 1, h, length, seed=seed + 1 + i)[1]
            sample.all_text_ids = torch.stack([s.text_ids for s in [sample, *others]])
            sample.all_text_mask = torch.stack([s.text_mask for s in [sample, *others]])
    images = [
        torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=gen) for _ in range(batch)
    ]
    return dict(inputs=images, data_samples=samples)


def random_box_masks(
    n: int, size: tuple[int, int], gen: torch.Generator, first: torch.Tensor
) -> torch.Tensor:
    """bool (n, H, W): ``first`` (H, W) and n - 1 random axis-aligned boxes."""
    h, w = size
    masks = torch.zeros(n, h, w, dtype=torch.bool)
    masks[0] = first
    for k in range(1, n):
        y0, x0 = (int(v) for v in torch.randint(0, min(h, w) // 2, (2,), generator=gen))
        bh, bw = (int(v) for v in torch.randint(4, min(h, w) // 2, (2,), generator=gen))
        masks[k, y0 : y0 + bh, x0 : x0 + bw] = True
    return masks


def peak_memory_mib(device: torch.device) -> float:
    """Peak GPU memory allocated by tensors, or the process peak RSS on a CPU, in MiB."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def timed(fn, n: int, device: torch.device) -> float:
    """Seconds for ``n`` calls of ``fn`` (synchronising the GPU before and after)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(n):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def measure(
    config: str,
    device: str = "cpu",
    batch: int = 2,
    test_batch: int | None = None,
    iters: int = 10,
    warmup: int = 2,
    amp: str | None = None,
    size: int | None = None,
    num_labeled: int | None = None,
    num_proposals: int = 32,
    sentences_per_ref: int = 3,
    cfg_options: dict | None = None,
) -> dict:
    """Train-step and inference images/s and peak memory of CONFIG's model.

    Args:
        config: a config whose ``model`` is a LAVT (or LAVT-based) or SeqTR segmentor.
        device: 'cpu' or 'cuda[:N]'.
        batch: training batch per step (per GPU in the configs: 8 for LAVT on RefCOCO, 128
            for SeqTR).
        test_batch: inference batch (default ``batch``).
        iters: timed steps per phase, after ``warmup`` untimed ones.
        amp: None, 'float16' or 'bfloat16' (mixed precision for training and inference).
        size: input side in pixels (default: the config's training Resize).
        num_labeled: labeled samples per training batch of a SemiRES config (default: its
            sampler's ``num_labeled``; ignored for other configs).
        num_proposals: proposals per unlabeled sample (SemiRES configs).
        sentences_per_ref: sentences of each unlabeled sample's ref (SemiRES with
            ``model.teacher_all_sentences``; RefCOCO has 2.8 per ref on average).
        cfg_options: overrides merged into the config (as ``--cfg-options``).

    Returns:
        a dict of the settings and ``train_img_per_s``, ``test_img_per_s``,
        ``train_peak_mib``, ``test_peak_mib``, ``params_m`` and ``dropped_checkpoints``.
    """
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    dev = torch.device(device)
    model_cfg = cfg.model.to_dict()
    dropped = drop_missing_checkpoints(model_cfg)
    hw = (size, size) if size else train_size(cfg)
    length = text_length(cfg)
    test_batch = test_batch or batch
    semi = semi_labeled(cfg)
    if semi is not None and num_labeled is not None:
        semi = num_labeled
    if semi is not None and not 0 < semi < batch:
        raise ValueError(
            f"a SemiRES batch needs labeled and unlabeled samples: {semi} labeled "
            f"of {batch}; pass --batch (the config's is "
            f"{cfg.train_dataloader.batch_size}) or --labeled"
        )
    keep_rate = teacher_keep_rate(cfg)
    with DefaultScope.overwrite_default_scope("risseg"):
        model = build(model_cfg).to(dev)
        wrapper_cfg = dict(cfg.optim_wrapper)
        if amp:
            wrapper_cfg.update(type="AmpOptimWrapper", dtype=amp)
        optim_wrapper = build_optim_wrapper(model, wrapper_cfg)
    train_data = synthetic_batch(
        batch,
        hw,
        length,
        seed=0,
        num_labeled=semi,
        num_proposals=num_proposals,
        sentences_per_ref=sentences_per_ref,
    )
    test_data = synthetic_batch(test_batch, hw, length, seed=1)

    model.train()

    def train_step() -> None:
        model.train_step(train_data, optim_wrapper)
        if keep_rate is not None:
            ema_update(model.teacher, model.student, keep_rate)

    timed(train_step, warmup, dev)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    train_s = timed(train_step, iters, dev)
    train_peak = peak_memory_mib(dev)

    model.eval()
    autocast = torch.autocast(dev.type, dtype=getattr(torch, amp)) if amp else None

    @torch.no_grad()
    def test_step() -> None:
        if autocast is None:
            model.test_step(test_data)
        else:
            with autocast:
                model.test_step(test_data)

    optim_wrapper.zero_grad()
    timed(test_step, warmup, dev)
    if dev.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)
    test_s = timed(test_step, iters, dev)
    return dict(
        config=config,
        device=torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        amp=amp,
        size=list(hw),
        text_length=length,
        batch=batch,
        labeled_per_batch=semi,
        proposals_per_unlabeled=num_proposals if semi is not None else None,
        cfg_options=cfg_options or {},
        teacher_ema=keep_rate is not None,
        test_batch=test_batch,
        iters=iters,
        params_m=sum(p.numel() for p in model.parameters()) / 1e6,
        train_img_per_s=batch * iters / train_s,
        train_s_per_iter=train_s / iters,
        test_img_per_s=test_batch * iters / test_s,
        train_peak_mib=train_peak,
        test_peak_mib=peak_memory_mib(dev),
        dropped_checkpoints=dropped,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument(
        "--labeled",
        type=int,
        help="SemiRES: labeled samples per batch (default: the config's sampler)",
    )
    parser.add_argument(
        "--proposals", type=int, default=32, help="SemiRES: proposals per unlabeled sample"
    )
    parser.add_argument(
        "--sentences",
        type=int,
        default=3,
        help="SemiRES: sentences per unlabeled ref (model.teacher_all_sentences)",
    )
    parser.add_argument("--test-batch", type=int)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--amp", choices=["float16", "bfloat16"])
    parser.add_argument("--size", type=int, help="input side (default: the config's Resize)")
    parser.add_argument("--out", help="also write the JSON object here")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="config overrides, e.g. model.teacher_all_sentences=True",
    )
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is visible")
    result = measure(
        args.config,
        args.device,
        args.batch,
        args.test_batch,
        args.iters,
        args.warmup,
        args.amp,
        args.size,
        args.labeled,
        args.proposals,
        args.sentences,
        args.cfg_options,
    )
    runner.print_json(result, args.out)


if __name__ == "__main__":
    main()
