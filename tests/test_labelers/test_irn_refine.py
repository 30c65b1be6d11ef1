"""IRNRefineLabeler: random-walk refinement of localisation maps with an AffinityEdgeNet."""

from __future__ import annotations

import torch
from mmengine.runner import save_checkpoint
from mmengine.structures import PixelData
from torch import Tensor

from risseg.labelers import IRNRefineLabeler
from risseg.models.segmentors import AffinityEdgeNet
from risseg.structures import RISDataSample
from risseg.testing import PseudoLabelerContract

NET = dict(type="AffinityEdgeNet", backbone=dict(type="TinyBackbone"), edge_channels=4, exp_times=4)


def with_maps(inputs, samples):
    for s in samples:
        s.response_map = PixelData(data=s.gt_mask.data.float() * 0.9)
    return inputs, samples


class TestIRNRefineLabeler(PseudoLabelerContract):
    cfg = dict(type="IRNRefineLabeler", affinity_net=NET)

    def make_batch(self, kind="random"):
        return with_maps(*super().make_batch(kind))


class BoxEdges(AffinityEdgeNet):
    """Boundaries drawn by hand: the outline of rows/cols [4, 12) of the stride-2 grid."""

    def edges(self, inputs: Tensor) -> Tensor:
        h, w = inputs.shape[-2] // 2, inputs.shape[-1] // 2
        edge = torch.zeros(inputs.shape[0], 1, h, w)
        edge[:, :, 3, 3:13] = edge[:, :, 12, 3:13] = 1.0
        edge[:, :, 3:13, 3] = edge[:, :, 3:13, 12] = 1.0
        return edge


def test_a_peak_fills_the_region_its_boundary_closes():
    net = BoxEdges(backbone=dict(type="TinyBackbone"), exp_times=8)
    prob = torch.zeros(32, 32)
    prob[14:18, 14:18] = 1.0  # a peak in the middle of the box (input pixels [8, 24))
    sample = RISDataSample(metainfo=dict(img_shape=(32, 32), ref_id=1))
    sample.response_map = PixelData(data=prob[None])
    image = torch.full((1, 3, 32, 32), 100, dtype=torch.uint8)
    mask = IRNRefineLabeler(net)(image, [sample])[0].pseudo_mask.data[0]
    assert mask[10:22, 10:22].all()  # the inside of the box is covered
    assert not mask[:4].any() and not mask[:, :4].any()  # the outside is not
    assert mask.sum() > 4 * prob.sum()


def test_checkpoint_is_loaded(tmp_path):
    torch.manual_seed(0)
    trained = AffinityEdgeNet(backbone=dict(type="TinyBackbone"), edge_channels=4)
    torch.nn.init.constant_(trained.fuse.bias, 3.0)
    save_checkpoint({"state_dict": trained.state_dict()}, str(tmp_path / "irn.pth"))
    labeler = IRNRefineLabeler(NET, checkpoint=str(tmp_path / "irn.pth"))
    assert torch.equal(labeler.net.fuse.bias, trained.fuse.bias)


def test_the_network_of_a_training_config_file(tmp_path):
    cfg = tmp_path / "irn.py"
    cfg.write_text(f"model = {NET!r}\n")
    labeler = IRNRefineLabeler(str(cfg))
    assert isinstance(labeler.net, AffinityEdgeNet) and labeler.net.exp_times == 4


def test_a_batch_is_refined_as_one_sample_at_a_time():
    torch.manual_seed(0)
    labeler = IRNRefineLabeler(NET)
    inputs, samples = TestIRNRefineLabeler().make_batch()
    samples[1].response_map.data[:, 2:6, 3:9] = 0.7  # the two maps differ
    together = [s.pseudo_mask.data.clone() for s in labeler(inputs, samples)]
    alone = [labeler(inputs[i : i + 1], [s])[0].pseudo_mask.data for i, s in enumerate(samples)]
    assert all(torch.equal(a, b) for a, b in zip(together, alone, strict=True))
    assert not torch.equal(*together)
