"""Contract tests every labeler inherits (style guide section 5); import it in tests.

Subclass ``PseudoLabelerContract`` with ``cfg = dict(type=..., <tiny injected models>)`` and,
where needed, override ``make_batch`` to attach further fields the labeler reads.

Also registers ``GTBoxLabeler`` (LABELERS), a deterministic mask labeler for tests of the
pseudo-label drivers (``custom_imports=dict(imports=['risseg.testing'])`` in a config).
"""

from __future__ import annotations

import torch
from mmengine.registry import Registry
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers.base import BasePseudoLabeler
from risseg.registry import LABELERS
from risseg.structures import RISDataSample, SampleList
from risseg.utils.masks import box_mask


@LABELERS.register_module()
class GTBoxLabeler(BasePseudoLabeler):
    """A test stand-in: each sample's pseudo mask is its filled GT box.

    Reads ``gt_bbox`` (4,) xyxy in the frame of ``inputs`` (e.g. ``supervision='box'`` refs
    through ``LoadReferAnnotations``); writes ``pseudo_mask`` bool (1, H, W), ``pseudo_score``
    1.0 and ``pseudo_keep`` (False for a box without pixels).
    """

    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Fill every sample's box; ``inputs`` gives the frame (else ``img_shape``)."""
        for s in data_samples:
            h, w = (inputs.shape[-2:] if inputs is not None else s.metainfo["img_shape"])[:2]
            if "gt_bbox" not in s:
                raise KeyError(f"GTBoxLabeler: sample {s.metainfo.get('ref_id')} has no gt_bbox")
            mask = torch.from_numpy(box_mask(s.gt_bbox.cpu().numpy(), int(h), int(w)))
            s.pseudo_mask = PixelData(data=mask[None])
            s.set_metainfo(dict(pseudo_score=1.0, pseudo_keep=bool(mask.any())))
        return data_samples


class PseudoLabelerContract:
    """Output dtype and shape, empty and degenerate input, determinism of a labeler.

    ``cfg``: ``dict(type=<registered name>, ...)`` or ``dict(module=<callable returning the
    labeler>)``.
    """

    registry: Registry = LABELERS
    cfg: dict = {}
    size: tuple[int, int] = (32, 48)

    def build(self) -> BasePseudoLabeler:
        """The labeler of ``cfg``."""
        cfg = dict(self.cfg)
        return LABELERS.build(cfg) if "type" in cfg else cfg["module"]()

    def make_batch(self, kind: str = "random") -> tuple[Tensor, list[RISDataSample]]:
        """Two (3, H, W) uint8 images and their samples; kind: random | constant.

        Every sample has a ``text``, ``gt_mask`` (1, H, W) bool and its box ``gt_bbox`` (4,)
        float xyxy (the red block of the random images), an empty ``pseudo_mask`` and no
        ``proposals`` (a (0, H, W) set).
        """
        h, w = self.size
        g = torch.Generator().manual_seed(0)
        if kind == "constant":
            inputs = torch.full((2, 3, h, w), 128, dtype=torch.uint8)
        else:
            inputs = torch.randint(0, 256, (2, 3, h, w), generator=g, dtype=torch.uint8)
            inputs[:, :, h // 4 : h // 2, w // 4 : w // 2] = torch.tensor([230, 20, 20])[
                :, None, None
            ]
        box = (w // 4, h // 4, w // 2, h // 2)  # xyxy, exclusive ends
        block = torch.zeros(h, w, dtype=torch.bool)
        block[box[1] : box[3], box[0] : box[2]] = True
        samples = []
        for i in range(2):
            s = RISDataSample(
                metainfo=dict(img_shape=(h, w), ori_shape=(h, w), image_id=i, text="the red block")
            )
            s.gt_mask = PixelData(data=block[None].clone())
            s.gt_bbox = torch.tensor(box, dtype=torch.float32)
            s.pseudo_mask = PixelData(data=torch.zeros(1, h, w, dtype=torch.bool))
            s.proposals = PixelData(data=torch.zeros(0, h, w, dtype=torch.bool))
            samples.append(s)
        return inputs, samples

    def _check(self, labeler, samples):
        h, w = self.size
        for s in samples:
            if labeler.output == "proposals":
                data = s.proposals.data
                assert data.dtype == torch.bool and data.ndim == 3 and data.shape[1:] == (h, w)
                assert len(s.metainfo["proposal_scores"]) == data.shape[0]
            else:
                data = s.pseudo_mask.data
                assert data.dtype == torch.bool and data.shape == (1, h, w)
                assert isinstance(s.metainfo["pseudo_score"], float)

    def test_contract_output(self):
        labeler = self.build()
        inputs, samples = self.make_batch()
        self._check(labeler, labeler(inputs, samples))

    def test_contract_degenerate_input(self):
        labeler = self.build()
        inputs, samples = self.make_batch("constant")
        self._check(labeler, labeler(inputs, samples))
        assert labeler(inputs[:0], []) == []

    def test_contract_deterministic(self):
        outs = []
        for _ in range(2):
            torch.manual_seed(0)
            labeler = self.build()
            inputs, samples = self.make_batch()
            out = labeler(inputs, samples)
            key = "proposals" if labeler.output == "proposals" else "pseudo_mask"
            outs.append([getattr(s, key).data for s in out])
        assert all(torch.equal(a, b) for a, b in zip(*outs, strict=True))
