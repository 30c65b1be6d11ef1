"""IRNet-style refinement of localisation maps (TRIS): random walk on learned affinities."""

from __future__ import annotations

import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from torch import Tensor, nn

from risseg.labelers.base import BasePseudoLabeler
from risseg.labelers.threshold_refine import response_map_of, set_pseudo_mask
from risseg.models.segmentors.affinity_edge_net import AffinityEdgeNet, refined_mask
from risseg.models.utils import build
from risseg.registry import LABELERS
from risseg.structures import SampleList


def build_affinity_net(net: str | dict | nn.Module) -> AffinityEdgeNet:
    """The network of an ``irn_*`` training config file (its ``model``), a config dict or a
    built module."""
    if isinstance(net, str):
        net = Config.fromfile(net).model.to_dict()
    model = build(net)
    if not isinstance(model, AffinityEdgeNet):
        raise TypeError(f"IRNRefineLabeler needs an AffinityEdgeNet, got {type(model).__name__}")
    return model


@LABELERS.register_module()
class IRNRefineLabeler(BasePseudoLabeler):
    """Spread each sample's localisation map over its object with a trained
    :class:`~risseg.models.segmentors.affinity_edge_net.AffinityEdgeNet` (IRNet's random walk:
    radius 5, beta 10, 2^8 steps) and keep the propagated map above 0.25 of its maximum, the
    union of IRNet's instances as TRIS takes it.

    Reads the uint8 image and ``map_key`` (PixelData float (1, H, W) in [0, 1]) of every
    sample at the same frame; writes ``pseudo_mask`` bool (1, H, W), ``pseudo_score`` (mean
    refined map inside the mask) and ``pseudo_keep`` (False for an empty mask).

    Args:
        affinity_net: the network: the path of its training config (configs/tris/irn_*.py),
            a config dict or a module; its random-walk settings (``radius``, ``beta``,
            ``exp_times``, ``mask_thr``) apply.
        checkpoint: local weights of ``affinity_net`` (``tools/train.py`` with a
            configs/tris/irn_*.py config), or None (a module passed in already trained).
        map_key: the sample field holding the map.
    """

    def __init__(
        self,
        affinity_net: str | dict | nn.Module,
        checkpoint: str | None = None,
        map_key: str = "response_map",
    ) -> None:
        super().__init__()
        self.net = build_affinity_net(affinity_net)
        if checkpoint is not None:
            load_checkpoint(self.net, checkpoint, map_location="cpu")
        self.net.eval()
        self.map_key = map_key

    @torch.no_grad()
    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Refine every sample's map; samples of one image size are refined together."""
        if inputs is None:
            raise ValueError("IRNRefineLabeler needs the images")
        if inputs.dtype != torch.uint8:
            raise TypeError(f"IRNRefineLabeler takes uint8 RGB images, got {inputs.dtype}")
        self.net.eval()
        device = next(self.net.parameters()).device
        groups: dict[tuple[int, int], list[int]] = {}
        for i, s in enumerate(data_samples):
            h, w = s.metainfo.get("img_shape", inputs.shape[-2:])[:2]
            groups.setdefault((int(h), int(w)), []).append(i)
        for (h, w), idx in groups.items():
            images = inputs[idx, :, :h, :w].to(device)
            probs = torch.stack(
                [response_map_of(data_samples[i], self.map_key, (h, w)) for i in idx]
            )
            masks, refined = refined_mask(self.net, images, probs)
            for i, mask, ref in zip(idx, masks.cpu(), refined.cpu(), strict=True):
                score = ref[mask].mean().item() if mask.any() else 0.0
                set_pseudo_mask(data_samples[i], mask, score)
        return data_samples
