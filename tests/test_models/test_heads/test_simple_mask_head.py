import torch
from mmengine.structures import PixelData

from risseg.models.heads import HeadInputs, SimpleMaskHead
from risseg.structures import RISDataSample


def samples(supervision=("mask", "mask")):
    out = []
    for i, sup in enumerate(supervision):
        s = RISDataSample(metainfo=dict(pad_shape=(16, 16), img_shape=(16, 16), supervision=sup))
        mask = torch.zeros(1, 16, 16, dtype=torch.bool)
        mask[:, 4 * i : 4 * i + 6, 2:9] = True
        s.gt_mask = PixelData(data=mask)
        out.append(s)
    return out


def feats():
    torch.manual_seed(0)
    return HeadInputs(
        visual=[torch.randn(2, 6, 8, 8), torch.randn(2, 6, 4, 4), torch.randn(2, 6, 2, 2)]
    )


def test_forward_and_loss_keys():
    head = SimpleMaskHead(in_channels=6, num_levels=3, channels=5)
    assert head(feats(), samples()).shape == (2, 1, 8, 8)
    out = head.eval().predict(feats(), samples(), dict(rescale=False))
    assert out[0].pred_mask.data.shape == (1, 16, 16) and out[0].pred_mask.data.dtype == torch.bool
    head.train()
    losses = head.loss(feats(), samples())
    assert set(losses) == {"loss_bce", "loss_dice"} and all(v > 0 for v in losses.values())


def test_a_few_steps_fit_the_masks():
    head = SimpleMaskHead(in_channels=6, num_levels=3, channels=8)
    opt = torch.optim.Adam(head.parameters(), lr=0.05)
    first = None
    for _ in range(30):
        loss = sum(head.loss(feats(), samples()).values())
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first


def test_samples_without_mask_supervision_are_skipped():
    head = SimpleMaskHead(in_channels=6, num_levels=3, channels=5)
    losses = head.loss(feats(), samples(("box", "none")))
    assert all(v == 0 for v in losses.values())
    sum(losses.values()).backward()  # graph stays connected for DDP
    one = head.loss(feats(), samples(("mask", "none")))
    assert one["loss_bce"] > 0


def test_seg_probs_are_the_sigmoid_of_the_upsampled_logit():
    head = SimpleMaskHead(in_channels=6, num_levels=3, channels=5).eval()
    probs = head.seg_probs(feats(), samples())
    fg = torch.nn.functional.interpolate(head(feats()), size=(16, 16), mode="bilinear")
    assert probs.shape == (2, 2, 16, 16)
    torch.testing.assert_close(probs[:, 1:], fg.sigmoid())
