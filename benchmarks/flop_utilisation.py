"""How much of the machine's dense fp32 matmul rate a config's training and inference achieve.

For CONFIG, on the CPU at ``--threads`` (default 1) intra-op threads, with the config's own data
loaders (real batches, SynthRef generated on first use) and random weights (checkpoint paths that
do not exist here are dropped, as benchmarks/model_speed.py does):

- **peak**: GFLOP per CPU-second of a dense fp32 ``n x n @ n x n`` matmul in this process,
  measured before, between and after the phases below (interleaved, so that a change in machine
  load shows as a spread); the median is the reference;
- **training**: a short real run of ``--iters`` steps (``model.train_step``: data preprocessor,
  forward, loss, backward, the config's optimiser): CPU seconds of this process per step
  (``time.process_time``, which other processes on the machine do not inflate), wall seconds, and
  the data-loading share = time spent waiting for the next batch / wall time of the step (what
  mmengine logs as ``data_time / time``);
- **FLOPs** counted with ``torch.utils.flop_counter.FlopCounterMode`` (matmuls and convolutions,
  forward + backward) on the same batches in a second pass, so counting does not slow the timed
  pass;
- **inference**: ``model.test_step`` on val batches: FLOPs and CPU seconds per image, to compare
  with the FLOPs of a training step's forward pass alone (``mode='loss'``, no backward);
- the **achieved fraction** = FLOPs / CPU seconds / peak, for training and for inference;
- the **kernel ceiling**: a third pass records every matmul and convolution call of the step
  (the ops whose FLOPs are counted, forward and backward) with its inputs and replays each
  alone: their CPU seconds, their share of the step's, and FLOPs / kernel seconds / peak, the
  fraction the step would reach if everything else (normalisation, activations, copies, the
  optimiser, Python) cost nothing;
- with ``--compile``: the same training step again after ``torch.compile`` of the model
  (inductor, which fuses the element-wise work around the kernels), timed in the same process
  after the eager one, so that both see the same machine: CPU seconds, fraction and speed-up.

Usage:
    python benchmarks/flop_utilisation.py configs/seqtr/segm_synthref.py [--iters 10] \
        [--threads 1] [--compile] [--cfg-options env_cfg.channels_last=True ...] \
        [--out result.json]
Prints one JSON object (docs/benchmarks/cpu_utilisation.md).
"""

from __future__ import annotations

import argparse
import os.path as osp
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from mmengine.config import DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map
from torch.utils.flop_counter import FlopCounterMode, flop_registry

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import runner  # noqa: E402
from model_speed import teacher_keep_rate  # noqa: E402

from risseg.engine.hooks import ema_update, use_channels_last  # noqa: E402
from risseg.testing import build_without_checkpoints  # noqa: E402


def matmul_gflops(n: int = 1024, reps: int = 5) -> float:
    """Best-of-``reps`` GFLOP/s of an fp32 (n, n) @ (n, n) matmul at the current thread count.

    Timed in CPU seconds of this process (``time.process_time``, summed over its threads), as
    the steps are, so that time the process spends descheduled on a shared machine counts in
    neither and the rate is per CPU-second at any thread count.
    """
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        a @ b
        best = min(best, time.process_time() - start)
    return 2 * n**3 / best / 1e9


def count_flops(fn: Callable[[], object]) -> int:
    """Matmul and convolution FLOPs of one call of ``fn`` (forward and backward if it runs both)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


class KernelRecorder(TorchDispatchMode):
    """Records every call of an op whose FLOPs ``count_flops`` counts (matmuls, convolutions and
    their backward), with copies of its inputs, so that the calls can be replayed alone."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func.overloadpacket in flop_registry:
            copy = lambda x: x.detach().clone() if isinstance(x, torch.Tensor) else x  # noqa: E731
            self.calls.append((func, tree_map(copy, args), tree_map(copy, kwargs)))
        return func(*args, **kwargs)


def kernel_cpu_seconds(fn: Callable[[], object], reps: int = 3) -> float:
    """CPU seconds that the matmul and convolution calls of one call of ``fn`` take when each is
    replayed alone on the same inputs (best of ``reps``, summed): the step's time without the
    rest of its work (normalisation, activations, copies, optimiser, Python)."""
    recorder = KernelRecorder()
    with recorder:
        fn()
    total = 0.0
    for func, args, kwargs in recorder.calls:
        best = float("inf")
        for _ in range(reps):
            start = time.process_time()
            func(*args, **kwargs)
            best = min(best, time.process_time() - start)
        total += best
    return total


def batches(loader, n: int) -> list[dict]:
    """The first ``n`` batches of ``loader`` (fewer if it is shorter)."""
    out: list[dict] = []
    for batch in loader:
        out.append(batch)
        if len(out) == n:
            break
    return out


def cycle(loader) -> Iterator[dict]:
    """Batches of ``loader``, epoch after epoch (small subsets have only a few per epoch)."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("the training data loader yields no batch")


def timed_run(loader_iter: Iterator[dict], step: Callable[[dict], None], iters: int) -> dict:
    """Run ``iters`` steps on batches drawn from ``loader_iter``; returns the per-step times."""
    data_s, wall_s, cpu_s, used = [], [], [], []
    for _ in range(iters):
        start = time.perf_counter()
        batch = next(loader_iter)
        fetched = time.perf_counter()
        cpu = time.process_time()
        step(batch)
        cpu_s.append(time.process_time() - cpu)
        end = time.perf_counter()
        data_s.append(fetched - start)
        wall_s.append(end - start)
        used.append(batch)
    return dict(data_s=data_s, wall_s=wall_s, cpu_s=cpu_s, batches=used)


@dataclass
class TrainingSetup:
    """A config's model, optimiser wrapper, loaders and one training step, as a run has them."""

    model: torch.nn.Module
    optim_wrapper: object
    train_loader: object
    val_loader: object
    dropped: list[str]  # checkpoint paths left out of the model config (absent here)
    train_step: Callable[[dict], None]


def build_training(config: str, cfg_options: dict | None = None, seed: int = 0) -> TrainingSetup:
    """Build CONFIG's model (random weights, seeded) with its optimiser wrapper and loaders.

    Checkpoint paths that do not exist here are dropped from the model config; with
    ``env_cfg.channels_last=True`` the weights and image batches are made channels-last as
    ``ChannelsLastHook`` does in a run. ``train_step(batch)`` is ``model.train_step`` followed,
    for models with an EMA teacher, by the teacher update.
    """
    cfg, model, dropped = build_without_checkpoints(config, cfg_options, seed)
    keep_rate = teacher_keep_rate(cfg)
    if cfg.get("env_cfg", {}).get("channels_last", False):
        use_channels_last(model)
    with DefaultScope.overwrite_default_scope("risseg"):
        optim_wrapper = build_optim_wrapper(model, dict(cfg.optim_wrapper))
        train_loader = Runner.build_dataloader(cfg.train_dataloader, seed=seed)
        val_loader = Runner.build_dataloader(cfg.val_dataloader, seed=seed)

    def train_step(batch: dict) -> None:
        model.train_step(batch, optim_wrapper)
        if keep_rate is not None:
            ema_update(model.teacher, model.student, keep_rate)

    return TrainingSetup(model, optim_wrapper, train_loader, val_loader, dropped, train_step)


def loss_forward(model: torch.nn.Module, batch: dict) -> None:
    """The forward pass of a training step (preprocessor + ``mode='loss'``), no backward."""
    data = model.data_preprocessor(batch, True)
    model._run_forward(data, mode="loss")


def batch_size(batch: dict) -> int:
    """Samples in a collated batch."""
    return len(batch["data_samples"])


def measure(
    config: str,
    iters: int = 10,
    warmup: int = 2,
    threads: int = 1,
    test_batches: int = 3,
    cfg_options: dict | None = None,
    compile_model: bool = False,
) -> dict:
    """Peak, FLOPs, CPU time and achieved fraction of CONFIG's training and inference.

    Args:
        config: a risseg config with ``model``, ``train_dataloader`` and ``val_dataloader``.
        iters: timed training steps (after ``warmup`` untimed ones).
        warmup: untimed training steps.
        threads: torch intra-op threads.
        test_batches: val batches for inference (after one untimed batch).
        cfg_options: overrides merged into the config; ``env_cfg.channels_last=True`` stores
            the weights and image batches channels-last as ``ChannelsLastHook`` does in a run.
        compile_model: also time the step after ``torch.compile`` (the ``compiled_*`` figures).

    Returns:
        A dict of settings and figures (see the module docstring).
    """
    torch.set_num_threads(threads)
    peaks = [matmul_gflops()]
    setup = build_training(config, cfg_options)
    model, train_step = setup.model, setup.train_step
    train_loader, val_loader = setup.train_loader, setup.val_loader
    optim_wrapper, dropped = setup.optim_wrapper, setup.dropped
    model.train()
    loader_iter = cycle(train_loader)
    timed_run(loader_iter, train_step, warmup)
    run = timed_run(loader_iter, train_step, iters)
    peaks.append(matmul_gflops())
    train_flops = [count_flops(lambda b=b: train_step(b)) for b in run["batches"]]
    kernel_s = [kernel_cpu_seconds(lambda b=b: train_step(b)) for b in run["batches"]]
    optim_wrapper.zero_grad()
    with torch.no_grad():
        forward_flops = [count_flops(lambda b=b: loss_forward(model, b)) for b in run["batches"]]

    model.eval()
    val = batches(val_loader, test_batches + 1)
    with torch.no_grad():
        model.test_step(val[0])
        test_cpu, test_images, test_flops = 0.0, 0, 0
        for batch in val[1:]:
            cpu = time.process_time()
            model.test_step(batch)
            test_cpu += time.process_time() - cpu
            test_images += batch_size(batch)
        peaks.append(matmul_gflops())
        for batch in val[1:]:
            test_flops += count_flops(lambda b=batch: model.test_step(b))
    compiled = {}
    if compile_model:
        model.train()
        model.compile()
        start = time.process_time()
        # variable text lengths recompile once with dynamic shapes: warm up past that
        timed_run(loader_iter, train_step, max(warmup, 3))
        compile_cpu = time.process_time() - start
        compiled_run = timed_run(loader_iter, train_step, iters)
        peaks.append(matmul_gflops())
        compiled = dict(
            compiled_warmup_cpu_s=compile_cpu,
            compiled_train_cpu_s_per_step=statistics.mean(compiled_run["cpu_s"]),
        )
    peak = statistics.median(peaks)
    step_cpu = statistics.mean(run["cpu_s"])
    step_flops = statistics.mean(train_flops)
    step_kernel_s = statistics.mean(kernel_s)
    train_images = statistics.mean(batch_size(b) for b in run["batches"])
    if compiled:  # the same arithmetic: inductor fuses the work between the kernels
        compiled_cpu = compiled["compiled_train_cpu_s_per_step"]
        compiled["compiled_train_fraction_of_peak"] = step_flops / compiled_cpu / 1e9 / peak
        compiled["compiled_speedup"] = step_cpu / compiled_cpu
    return dict(
        config=config,
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        cfg_options=cfg_options or {},
        dropped_checkpoints=dropped,
        peak_gflops=peak,
        peak_gflops_samples=peaks,
        train_batch=train_images,
        train_iters=iters,
        train_gflop_per_step=step_flops / 1e9,
        train_cpu_s_per_step=step_cpu,
        train_wall_s_per_step=statistics.mean(run["wall_s"]),
        train_data_share=sum(run["data_s"]) / sum(run["wall_s"]),
        train_fraction_of_peak=step_flops / step_cpu / 1e9 / peak,
        train_kernel_cpu_s_per_step=step_kernel_s,
        train_kernel_share=step_kernel_s / step_cpu,
        train_kernel_fraction_of_peak=step_flops / step_kernel_s / 1e9 / peak,
        train_gflop_per_image=step_flops / train_images / 1e9,
        train_forward_gflop_per_image=statistics.mean(forward_flops) / train_images / 1e9,
        test_images=test_images,
        test_gflop_per_image=test_flops / test_images / 1e9,
        test_cpu_s_per_image=test_cpu / test_images,
        test_fraction_of_peak=test_flops / test_cpu / 1e9 / peak,
        **compiled,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--test-batches", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="also time the compiled step")
    parser.add_argument("--out", help="also write the JSON object here")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction)
    args = parser.parse_args()
    result = measure(
        args.config,
        args.iters,
        args.warmup,
        args.threads,
        args.test_batches,
        args.cfg_options,
        args.compile,
    )
    runner.print_json(result, args.out)


if __name__ == "__main__":
    main()
