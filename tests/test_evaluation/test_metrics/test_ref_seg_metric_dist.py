"""RefSegMetric under two gloo processes: oIoU is sum(I) / sum(U) over both ranks' samples."""

from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.structures import PixelData

from risseg.evaluation import RefSegMetric
from risseg.structures import RISDataSample

# rank 0: I=1 U=2 and I=3 U=4; rank 1: I=0 U=1  ->  oIoU = 4 / 7, mIoU = (0.5 + 0.75 + 0) / 3
MASKS = {
    0: [([[1, 1], [0, 0]], [[1, 0], [0, 0]]), ([[1, 1], [1, 1]], [[1, 1], [1, 0]])],
    1: [([[0, 0], [0, 0]], [[0, 0], [0, 1]])],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, port: int, queue) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    metric = RefSegMetric()
    samples = []
    for i, (pred, gt) in enumerate(MASKS[rank]):
        s = RISDataSample(metainfo=dict(ref_id=10 * rank + i, ori_shape=(2, 2)))
        s.pred_mask = PixelData(data=torch.tensor(pred, dtype=torch.bool)[None])
        s.gt_mask = PixelData(data=torch.tensor(gt, dtype=torch.bool)[None])
        samples.append(s.to_dict())
    metric.process(None, samples)
    metrics = metric.evaluate(size=3)
    queue.put((rank, metrics))
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_ranks_give_global_oiou():
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    port = _free_port()
    procs = [ctx.Process(target=_worker, args=(r, port, queue)) for r in range(2)]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for rank in (0, 1):  # mmengine broadcasts rank 0's numbers to every rank
        assert results[rank]["oIoU"] == pytest.approx(100 * 4 / 7)
        assert results[rank]["mIoU"] == pytest.approx(100 * 1.25 / 3)
        assert results[rank]["num_samples"] == 3
