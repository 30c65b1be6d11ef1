import torch
import torch.distributed as dist
from mmengine.optim import OptimWrapper

from risseg.engine import RISDistributedDataParallel
from risseg.models.segmentors import RISSegmentor
from risseg.testing import TinyBackbone, TinyTextEncoder


def test_cpu_module_is_wrapped_despite_device_ids(tmp_path, tiny_batch):
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        model = RISSegmentor(
            TinyBackbone(),
            TinyTextEncoder(),
            dict(type="SimpleMaskHead", in_channels=8, num_levels=2, channels=4),
            neck=dict(type="FiLMFusionNeck", in_channels=(8, 8), text_channels=8, channels=8),
        )
        # mmengine's Runner always passes device_ids=[LOCAL_RANK]
        ddp = RISDistributedDataParallel(module=model, device_ids=[0], broadcast_buffers=False)
        optim = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.1))
        log_vars = ddp.train_step(tiny_batch, optim)
        assert set(log_vars) >= {"loss", "loss_bce", "loss_dice"}
    finally:
        dist.destroy_process_group()
