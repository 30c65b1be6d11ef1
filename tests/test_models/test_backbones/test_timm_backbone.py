import timm
import torch

from risseg.models.backbones import TimmBackbone


def test_multiscale_shapes_and_metadata():
    backbone = TimmBackbone("resnet18", out_indices=(2, 3, 4))
    feats = backbone(torch.zeros(1, 3, 64, 64))
    assert backbone.out_channels == (128, 256, 512) and backbone.strides == (8, 16, 32)
    assert [tuple(f.shape) for f in feats] == [(1, 128, 8, 8), (1, 256, 4, 4), (1, 512, 2, 2)]


def test_loads_local_checkpoint(tmp_path):
    reference = timm.create_model("resnet18", pretrained=False)
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    backbone = TimmBackbone("resnet18", out_indices=(4,), checkpoint_path=str(path))
    assert torch.equal(backbone.model.conv1.weight, reference.conv1.weight)
    assert torch.equal(backbone.model.layer4[1].conv2.weight, reference.layer4[1].conv2.weight)


def test_frozen_backbone_stays_in_eval_mode():
    backbone = TimmBackbone("resnet18", out_indices=(1,), frozen=True).train()
    assert not backbone.model.training
    assert not any(p.requires_grad for p in backbone.parameters())
