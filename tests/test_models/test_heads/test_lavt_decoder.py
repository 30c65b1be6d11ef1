import torch

from risseg.models.heads import LAVTDecoderHead
from risseg.testing.lavt import demo_lavt_samples


def _feats(b=2, size=64):
    return [
        torch.randn(b, c, size // s, size // s) for c, s in ((8, 4), (16, 8), (32, 16), (64, 32))
    ]


def test_forward_predict_and_argmax_equivalence():
    torch.manual_seed(0)
    head = LAVTDecoderHead((8, 16, 32, 64), hidden_dim=16).eval()
    feats = _feats()
    assert head(feats).shape == (2, 2, 16, 16)
    two = head.class_logits(feats, (64, 64))
    fg = head.predict(feats, (64, 64))
    assert two.shape == (2, 2, 64, 64) and fg.shape == (2, 1, 64, 64)
    assert torch.equal(fg[:, 0] > 0, two.argmax(1) == 1)


def test_loss_decreases_with_a_step():
    torch.manual_seed(0)
    head = LAVTDecoderHead((8, 16, 32, 64), hidden_dim=16)
    feats = _feats()
    _, samples = demo_lavt_samples(2, 64)
    opt = torch.optim.SGD(head.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        loss = head.loss(feats, samples, (64, 64))["loss_ce"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
