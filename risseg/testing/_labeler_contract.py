"""Contract tests every labeler inherits (style guide section 5); import it in tests.

Subclass ``PseudoLabelerContract`` with ``cfg = dict(type=..., <tiny injected models>)`` and,
where needed, override ``make_batch`` to attach the fields the labeler reads.
"""

from __future__ import annotations

import torch
from mmengine.structures import PixelData

from risseg.registry import LABELERS
from risseg.structures import RISDataSample


class PseudoLabelerContract:
    cfg: dict = {}
    size: tuple[int, int] = (32, 48)

    def build(self):
        cfg = dict(self.cfg)
        return LABELERS.build(cfg) if "type" in cfg else cfg["module"]()

    def make_batch(self, kind: str = "random"):
        """(B, 3, H, W) uint8 images and samples; kind: random | constant."""
        h, w = self.size
        g = torch.Generator().manual_seed(0)
        if kind == "constant":
            inputs = torch.full((2, 3, h, w), 128, dtype=torch.uint8)
        else:
            inputs = torch.randint(0, 256, (2, 3, h, w), generator=g, dtype=torch.uint8)
            inputs[:, :, h // 4 : h // 2, w // 4 : w // 2] = torch.tensor([230, 20, 20])[
                :, None, None
            ]
        samples = []
        for i in range(2):
            s = RISDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), image_id=i))
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
