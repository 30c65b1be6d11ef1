"""A DistributedDataParallel wrapper that also serves CPU modules (gloo backend)."""

from __future__ import annotations

from mmengine.model import MMDistributedDataParallel
from torch import nn

from risseg.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class RISDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper, minus ``device_ids`` when the module lives on the CPU.

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which torch's DDP rejects
    for CPU modules. On GPUs this class behaves exactly like ``MMDistributedDataParallel``.

    Args:
        module: the model to wrap.
        detect_anomalous_params: as in ``MMDistributedDataParallel``.
        **kwargs: passed to ``torch.nn.parallel.DistributedDataParallel``.
    """

    def __init__(self, module: nn.Module, detect_anomalous_params: bool = False, **kwargs) -> None:
        if all(p.device.type == "cpu" for p in module.parameters()):
            kwargs["device_ids"] = None
            kwargs.pop("output_device", None)
        super().__init__(module=module, detect_anomalous_params=detect_anomalous_params, **kwargs)
