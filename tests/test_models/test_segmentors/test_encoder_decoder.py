import pytest
import torch

from risseg.models.segmentors import RISSegmentor
from risseg.testing import TinyBackbone, TinyTextEncoder


def tiny_segmentor(**kwargs) -> RISSegmentor:
    return RISSegmentor(
        backbone=TinyBackbone(channels=8),
        text_encoder=TinyTextEncoder(vocab_size=1000, embed_dim=8),
        neck=dict(type="FiLMFusionNeck", in_channels=(8, 8), text_channels=8, channels=8),
        head=dict(type="SimpleMaskHead", in_channels=8, num_levels=2, channels=8),
        **kwargs,
    )


def test_loss_has_head_keys_and_reaches_every_part(tiny_batch):
    model = tiny_segmentor()
    data = model.data_preprocessor(tiny_batch, True)
    losses = model(**data, mode="loss")
    assert set(losses) == {"loss_bce", "loss_dice"}
    sum(losses.values()).backward()
    for part in (model.backbone, model.text_encoder, model.neck, model.head):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters())


def test_predict_gives_masks_at_original_size(tiny_batch):
    model = tiny_segmentor().eval()
    data = model.data_preprocessor(tiny_batch, False)
    with torch.no_grad():
        samples = model(**data, mode="predict")
        logits = model(**data, mode="tensor")
    assert logits.shape == (2, 1, 16, 16)  # stride 2 of the 32x32 input
    for s in samples:
        assert s.pred_mask.data.shape == (1, 32, 32) and s.pred_mask.data.dtype == torch.bool
        assert torch.equal(s.pred_mask.data, s.pred_logits.data > 0)


def test_text_changes_the_prediction(tiny_batch):
    model = tiny_segmentor().eval()
    data = model.data_preprocessor(tiny_batch, False)
    with torch.no_grad():
        a = model(**data, mode="tensor")
        for s in data["data_samples"]:
            s.text_ids = (s.text_ids * 7 + 3) * s.text_mask
        b = model(**data, mode="tensor")
    assert not torch.allclose(a, b)


def test_without_neck_the_head_gets_raw_parts(tiny_batch):
    class EchoHead(torch.nn.Module):
        def forward(self, feats, samples):
            assert feats.words.shape[:2] == feats.word_mask.shape and feats.lang.ndim == 2
            return feats.visual[0][:, :1]

    model = RISSegmentor(TinyBackbone(), TinyTextEncoder(), EchoHead())
    data = model.data_preprocessor(tiny_batch, False)
    assert model(**data, mode="tensor").shape == (2, 1, 16, 16)


def test_invalid_mode_raises(tiny_batch):
    model = tiny_segmentor()
    data = model.data_preprocessor(tiny_batch, False)
    with pytest.raises(RuntimeError, match="Invalid mode"):
        model(**data, mode="nope")
