import socket

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from risseg.engine import setup_launcher


def test_no_launcher_changes_nothing_else():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend="nccl"))))
    setup_launcher(cfg, "none")
    assert cfg.launcher == "none" and cfg.env_cfg.dist_cfg.backend == "nccl"
    assert "model_wrapper_cfg" not in cfg


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU path is taken without CUDA only")
def test_cpu_launch_uses_gloo_and_the_cpu_wrapper(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for key, value in dict(
        RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    ).items():
        monkeypatch.setenv(key, value)
    cfg = Config(
        dict(
            env_cfg=dict(dist_cfg=dict(backend="nccl")),
            model_wrapper_cfg=dict(find_unused_parameters=True),
        )
    )
    try:
        setup_launcher(cfg, "pytorch")
        assert dist.is_initialized() and dist.get_backend() == "gloo"
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    assert cfg.env_cfg.dist_cfg.backend == "gloo"
    assert cfg.model_wrapper_cfg == dict(
        type="risseg.RISDistributedDataParallel", find_unused_parameters=True
    )
