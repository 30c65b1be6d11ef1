"""IRNet's boundary branch as a model: trained on confident regions of localisation maps,
used to spread those maps over whole objects by a random walk (TRIS pseudo-mask refinement).

IRNet: Ahn et al., CVPR 2019, https://arxiv.org/abs/1904.05044; as TRIS uses it (ICCV 2023,
https://arxiv.org/abs/2308.14575): one foreground class, the referent.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from risseg.models.heads.base import mask_logits_to_samples
from risseg.models.layers.affinity_paths import (
    IGNORE,
    affinity_loss,
    edge_to_affinity,
    random_walk,
)
from risseg.models.utils import build
from risseg.registry import MODELS
from risseg.structures import SampleList


def ir_labels(prob: Tensor, fg_thr: float = 0.30, bg_thr: float = 0.10) -> Tensor:
    """Confident-region labels of a localisation map (IRNet's "IR labels").

    Args:
        prob: (..., H, W) map in [0, 1] (max-normalised response).
        fg_thr: foreground where the map is above this.
        bg_thr: background where the map is at most this.

    Returns:
        (..., H, W) uint8: 1 foreground, 0 background, 255 (:data:`IGNORE`) in between.
    """
    if bg_thr > fg_thr:
        raise ValueError(f"bg_thr {bg_thr} above fg_thr {fg_thr}")
    labels = torch.full(prob.shape, IGNORE, dtype=torch.uint8, device=prob.device)
    labels[prob > fg_thr] = 1
    labels[prob <= bg_thr] = 0
    return labels


@MODELS.register_module()
class AffinityEdgeNet(BaseModel):
    """A frozen backbone and a boundary head; affinities along paths of the boundary map.

    Each backbone level goes through 1x1 conv (``edge_channels``) -> GroupNorm -> ReLU and is
    up-sampled to the finest level; a 1x1 conv of their concatenation gives boundary logits.
    Training (``loss``) takes each sample's IR labels (``ir_label``, from ``LoadIRLabels``)
    or makes them from its localisation map (:func:`ir_labels`), down-samples them to the
    boundary grid and applies IRNet's affinity loss to pairs closer than ``train_radius``.
    ``predict`` propagates the map by a random walk (:meth:`refine`) and sets ``pred_mask`` =
    propagated map > ``mask_thr`` (IRNet's background score), so ``tools/test.py`` measures
    refined pseudo masks.

    IRNet's displacement branch (instance centroids) is left out: TRIS takes the union of the
    instances, which the propagated map of the whole response gives directly.

    Args:
        backbone: image backbone (config or module) returning a list of feature maps, finest
            first, with ``out_channels``; frozen here (its features are detached).
        edge_channels: width of each level's projection.
        map_key: the sample field holding the localisation map, PixelData float (1, H, W) in
            [0, 1] in the frame of the network input.
        fg_thr, bg_thr: IR-label thresholds (TRIS: 0.30 / 0.10).
        train_radius: pair radius of the affinity loss (IRNet training: 10).
        radius, beta, exp_times: the random walk (IRNet inference: 5, 10, 8).
        mask_thr: foreground where the max-normalised propagated map is above this (0.25).
        flip_test: average the boundaries of the image and of its mirror image (IRNet).
        data_preprocessor, init_cfg: mmengine ``BaseModel`` arguments.
    """

    def __init__(
        self,
        backbone: dict | nn.Module,
        *,
        edge_channels: int = 32,
        map_key: str = "response_map",
        fg_thr: float = 0.30,
        bg_thr: float = 0.10,
        train_radius: int = 10,
        radius: int = 5,
        beta: float = 10.0,
        exp_times: int = 8,
        mask_thr: float = 0.25,
        flip_test: bool = True,
        data_preprocessor: dict | nn.Module | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type="RISDataPreprocessor")
        super().__init__(data_preprocessor=build(data_preprocessor), init_cfg=init_cfg)
        self.backbone = build(backbone)
        self.backbone.requires_grad_(False)
        self.levels = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(c, edge_channels, 1, bias=False),
                nn.GroupNorm(4, edge_channels),
                nn.ReLU(inplace=True),
            )
            for c in self.backbone.out_channels
        )
        self.fuse = nn.Conv2d(edge_channels * len(self.levels), 1, 1)
        self.map_key = map_key
        self.fg_thr, self.bg_thr = fg_thr, bg_thr
        self.train_radius, self.radius = train_radius, radius
        self.beta, self.exp_times = beta, exp_times
        self.mask_thr = mask_thr
        self.flip_test = flip_test

    def train(self, mode: bool = True) -> AffinityEdgeNet:
        """Keep the frozen backbone (and its BatchNorm statistics) in eval mode."""
        super().train(mode)
        self.backbone.eval()
        return self

    def edge_logits(self, inputs: Tensor) -> Tensor:
        """(B, 3, H, W) normalised images -> (B, 1, h, w) boundary logits on the finest
        backbone grid (stride 4 for ResNets)."""
        with torch.no_grad():
            feats = [f.detach() for f in self.backbone(inputs)]
        size = feats[0].shape[-2:]
        maps = [
            F.interpolate(layer(f), size=size, mode="bilinear", align_corners=False)
            for layer, f in zip(self.levels, feats, strict=True)
        ]
        return self.fuse(torch.cat(maps, dim=1))

    def edges(self, inputs: Tensor) -> Tensor:
        """(B, 1, h, w) boundary probabilities; with ``flip_test`` averaged over the image and
        its mirror image (logits averaged, as IRNet)."""
        logits = self.edge_logits(inputs)
        if self.flip_test:
            logits = (logits + self.edge_logits(inputs.flip(-1)).flip(-1)) / 2
        return logits.sigmoid()

    def refine(self, inputs: Tensor, maps: Tensor) -> Tensor:
        """Random-walk propagation of localisation maps over the predicted regions.

        Args:
            inputs: (B, 3, H, W) normalised images.
            maps: (B, 1, H, W) maps in [0, 1] in the same frame.

        Returns:
            (B, 1, H, W) propagated maps, each divided by its maximum (0 where it is 0).
        """
        edge = self.edges(inputs)
        small = F.interpolate(
            maps.float(), size=edge.shape[-2:], mode="bilinear", align_corners=True
        )
        rw = random_walk(
            small.clamp_min(0), edge, radius=self.radius, beta=self.beta, exp_times=self.exp_times
        )
        rw = F.interpolate(rw, size=inputs.shape[-2:], mode="bilinear", align_corners=False)
        peak = rw.flatten(1).amax(1).clamp_min(1e-12)
        return rw / peak[:, None, None, None]

    def stacked_maps(self, inputs: Tensor, data_samples: SampleList) -> Tensor:
        """(B, 1, H, W) localisation maps of the batch, zero-padded to the input size."""
        h, w = inputs.shape[-2:]
        maps = inputs.new_zeros(len(data_samples), 1, h, w)
        for i, s in enumerate(data_samples):
            if self.map_key not in s:
                raise KeyError(
                    f"sample ref_id={s.metainfo.get('ref_id')} ({s.metainfo.get('img_path')}) "
                    f"has no '{self.map_key}'; load the localisation maps in the pipeline."
                )
            m = s.get(self.map_key).data.float()
            maps[i, :, : m.shape[-2], : m.shape[-1]] = m[..., :h, :w]
        return maps

    def batch_ir_labels(self, inputs: Tensor, data_samples: SampleList) -> Tensor:
        """(B, 1, H, W) uint8 IR labels of the batch: each sample's ``ir_label`` when it has
        one (``LoadIRLabels``), else :func:`ir_labels` of its map; padding is unsure."""
        h, w = inputs.shape[-2:]
        labels = torch.full((len(data_samples), 1, h, w), IGNORE, dtype=torch.uint8)
        labels = labels.to(inputs.device)
        for i, s in enumerate(data_samples):
            if "ir_label" in s:
                lab = s.ir_label.data.to(labels)
            else:
                lab = ir_labels(self.stacked_maps(inputs, [s])[0], self.fg_thr, self.bg_thr)
            img_h, img_w = s.metainfo.get("img_shape", (h, w))[:2]
            x0, y0 = s.metainfo.get("img_offset", (0, 0))
            labels[i, :, y0 : y0 + img_h, x0 : x0 + img_w] = lab[
                :, y0 : y0 + img_h, x0 : x0 + img_w
            ]
        return labels

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """IRNet's affinity loss against each sample's IR labels."""
        logits = self.edge_logits(inputs)
        labels = self.batch_ir_labels(inputs, data_samples)
        # (B, 1, H, W) -> (B, h, w) on the boundary grid
        labels = F.interpolate(labels.float(), size=logits.shape[-2:], mode="nearest")[:, 0]
        aff = edge_to_affinity(logits.sigmoid(), self.train_radius)
        return affinity_loss(aff, labels.long(), self.train_radius)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """``pred_mask`` = refined map > ``mask_thr`` at the original size; the refined map in
        ``pred_logits`` (shifted by ``mask_thr``)."""
        refined = self.refine(inputs, self.stacked_maps(inputs, data_samples))
        for s in data_samples:
            if "batch_input_shape" not in s.metainfo:
                s.set_metainfo(dict(batch_input_shape=tuple(inputs.shape[-2:])))
        return mask_logits_to_samples(refined - self.mask_thr, data_samples, {})

    def forward(self, inputs: Tensor, data_samples: SampleList | None = None, mode: str = "tensor"):
        """Dispatch to ``loss``, ``predict`` or ``_forward`` (mmengine convention)."""
        if mode == "loss":
            return self.loss(inputs, data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor mode')

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """(B, 1, h, w) boundary logits."""
        return self.edge_logits(inputs)


def refined_mask(model: AffinityEdgeNet, images: Tensor, probs: Tensor) -> tuple[Tensor, Tensor]:
    """Refine maps with a trained :class:`AffinityEdgeNet`.

    Args:
        model: the network (eval mode).
        images: (B, 3, H, W) uint8 RGB.
        probs: (B, H, W) localisation maps in [0, 1].

    Returns:
        (B, H, W) bool masks (refined map > ``model.mask_thr``) and the (B, H, W) refined maps.
    """
    pre = model.data_preprocessor
    x = images.float()
    if getattr(pre, "_enable_normalize", False):
        x = (x - pre.mean.to(x)) / pre.std.to(x)
    refined = model.refine(x, probs[:, None].to(x))[:, 0]
    return refined > model.mask_thr, refined
