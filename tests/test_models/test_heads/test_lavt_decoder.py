import torch

from risseg.models.heads import HeadInputs, LAVTDecoderHead
from risseg.testing import demo_lavt_samples


def _feats(b=2, size=64):
    return HeadInputs(
        visual=[
            torch.randn(b, c, size // s, size // s)
            for c, s in ((8, 4), (16, 8), (32, 16), (64, 32))
        ]
    )


def test_forward_predict_and_argmax_equivalence():
    torch.manual_seed(0)
    head = LAVTDecoderHead((8, 16, 32, 64), hidden_dim=16).eval()
    feats = _feats()
    _, samples = demo_lavt_samples(2, 64)
    assert head.decode(feats.visual).shape == (2, 2, 16, 16)
    two = head.seg_logits(feats, samples)
    fg = head(feats, samples)
    assert two.shape == (2, 2, 64, 64) and fg.shape == (2, 1, 64, 64)
    assert torch.equal(fg[:, 0] > 0, two.argmax(1) == 1)
    torch.testing.assert_close(head.seg_probs(feats, samples), two.softmax(1))
    out = head.predict(feats, samples, dict(rescale=False))
    assert torch.equal(out[0].pred_mask.data, fg[0] > 0)


def test_input_shape_comes_from_the_metainfo():
    head = LAVTDecoderHead((8, 16, 32, 64), hidden_dim=16).eval()
    _, samples = demo_lavt_samples(2, 64)
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(96, 80)))
    assert head.seg_logits(_feats(), samples).shape == (2, 2, 96, 80)


def test_loss_decreases_with_a_step():
    torch.manual_seed(0)
    head = LAVTDecoderHead((8, 16, 32, 64), hidden_dim=16)
    feats = _feats()
    _, samples = demo_lavt_samples(2, 64)
    opt = torch.optim.SGD(head.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        loss = head.loss(feats, samples)["loss_ce"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_optional_dice_loss_matches_softmax_dice():
    from risseg.models.losses import DiceLoss

    torch.manual_seed(0)
    head = LAVTDecoderHead((8, 16, 32, 64), hidden_dim=16, loss_dice=DiceLoss())
    feats = _feats()
    _, samples = demo_lavt_samples(2, 64)
    losses = head.loss(feats, samples)
    assert set(losses) == {"loss_ce", "loss_dice"}
    prob = head.seg_logits(feats, samples).softmax(1)[:, 1].flatten(1)
    gt = torch.stack([s.gt_mask.data[0] for s in samples]).flatten(1).float()
    dice = 1 - ((2 * (prob * gt).sum(1) + 1) / (prob.sum(1) + gt.sum(1) + 1)).mean()
    assert torch.allclose(losses["loss_dice"], dice, atol=1e-5)
