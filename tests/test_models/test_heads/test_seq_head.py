"""SeqHead: sequence construction, losses, masking of box-only samples, decoding."""

from __future__ import annotations

import pytest
import torch
from mmengine.registry import init_default_scope

from risseg.models.heads import HeadInputs, SeqHead
from risseg.testing.seqtr import seqtr_samples


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope("risseg")


def _head(**kw) -> SeqHead:
    cfg = dict(
        in_channels=16,
        num_points=4,
        d_model=16,
        num_heads=2,
        ffn_dim=32,
        num_encoder_layers=1,
        num_decoder_layers=1,
        dropout=0.0,
    )
    cfg.update(kw)
    return SeqHead(**cfg)


def test_point_tokens_from_masks_have_end_padding():
    head = _head(num_points=40)
    _, samples = seqtr_samples(1)
    tokens = head.targets.point_tokens(samples, torch.device("cpu"))
    assert tokens.shape == (1, 80)
    assert ((tokens >= 0) & (tokens <= 1000)).all()
    # a 24 x 20 box has an 84-point contour: stride ceil(84 / 40) = 3 -> 28 points, then END
    assert (tokens[0, :56] < 1000).all() and (tokens[0, 56:] == 1000).all()


def test_shuffle_keeps_points_and_end_tail():
    head = _head(num_points=5, shuffle_fraction=1.0)
    tokens = torch.tensor([[1, 2, 3, 4, 5, 6, 1000, 1000, 1000, 1000]])
    out = head.targets.shuffle_points(tokens)
    pairs = {tuple(p) for p in out[0, :6].view(3, 2).tolist()}
    assert pairs == {(1, 2), (3, 4), (5, 6)}
    assert (out[0, 6:] == 1000).all()


@pytest.mark.parametrize(
    "flags",
    [
        {},
        dict(language_token=True, task_prompt=True, cctf=True, point_bias=True),
        dict(task="box"),
        dict(task="box", dense_loss_weight=1.0, dense_guided_start=True),
    ],
)
def test_loss_and_predict_shapes(flags):
    head = _head(**flags)
    _, samples = seqtr_samples(2)
    feats = torch.randn(2, 16, 2, 2)
    lang = torch.randn(2, 16) if flags.get("language_token") else None
    losses = head.loss(HeadInputs(feats, lang), samples)
    key = "loss_box" if flags.get("task") == "box" else "loss_mask"
    assert set(losses) == {key} | ({"loss_dense"} if "dense_loss_weight" in flags else set())
    assert losses[key].requires_grad and losses[key] > 0
    losses[key].backward()
    head.eval()
    tokens = head(HeadInputs(feats, lang), samples)
    assert tokens.shape == ((2, 4) if flags.get("task") == "box" else (2, 9))
    if flags.get("task") == "box":
        assert (tokens < 1000).all()


def test_box_only_samples_are_excluded_from_mask_loss():
    head = _head()
    _, samples = seqtr_samples(2)
    samples[1].set_metainfo(dict(supervision="box"))
    feats = torch.randn(2, 16, 2, 2, requires_grad=True)
    loss = head.loss(HeadInputs(feats, None), samples)["loss_mask"]
    loss.backward()
    assert feats.grad[0].abs().sum() > 0 and feats.grad[1].abs().sum() == 0
    for s in samples:
        s.set_metainfo(dict(supervision="box"))
    loss = head.loss(HeadInputs(torch.randn(2, 16, 2, 2), None), samples)["loss_mask"]
    assert float(loss.detach()) == 0.0


def test_joint_box_loss():
    with pytest.raises(ValueError, match="task_prompt"):
        _head(box_loss_weight=0.5)
    head = _head(box_loss_weight=0.5, task_prompt=True)
    _, samples = seqtr_samples(2)
    losses = head.loss(HeadInputs(torch.randn(2, 16, 2, 2), None), samples)
    assert set(losses) == {"loss_mask", "loss_box"}


def test_padding_mask_follows_img_shape():
    head = _head()
    _, samples = seqtr_samples(1, size=(64, 64))
    samples[0].set_metainfo(dict(img_shape=(30, 64)))  # bottom half is padding
    enc = head.encode(HeadInputs(torch.randn(1, 16, 4, 4), None), samples)
    assert enc["padding_mask"].view(4, 4)[:2].sum() == 0
    assert enc["padding_mask"].view(4, 4)[2:].all()
    assert torch.allclose(enc["valid_ratio"], torch.tensor([[1.0, 0.5]]))


def test_teacher_forcing_learns_one_sequence():
    torch.manual_seed(0)
    head = _head(num_points=3)
    _, samples = seqtr_samples(1)
    feats = torch.randn(1, 16, 2, 2)
    opt = torch.optim.Adam(head.parameters(), lr=3e-3)
    for _ in range(150):
        opt.zero_grad()
        head.loss(HeadInputs(feats, None), samples)["loss_mask"].backward()
        opt.step()
    head.eval()
    target = head.targets.point_tokens(samples, torch.device("cpu"))[0]
    pred = head(HeadInputs(feats, None), samples)[0]
    assert torch.equal(pred[:6], target)


def test_tokens_do_not_depend_on_batch_padding():
    head = _head()
    _, samples = seqtr_samples(1, size=(64, 64))
    a = head.targets.point_tokens(samples, torch.device("cpu"))
    samples[0].set_metainfo(dict(pad_shape=(128, 160)))  # padded further by the batch
    b = head.targets.point_tokens(samples, torch.device("cpu"))
    assert torch.equal(a, b)
    assert head.coord_frame(samples[0]) == (64, 64)  # img_shape (64, 56) rounded up to 32


@pytest.mark.parametrize("batch", [1, 3, 8])
@pytest.mark.parametrize(
    "flags",
    [
        {},
        dict(cctf=True, point_bias=True, task_prompt=True, language_token=True),
        dict(dense_loss_weight=1.0, dense_guided_start=True),
        dict(task_prompt=True, task_embedding=True),
    ],
)
def test_incremental_decoding_matches_full_decoding(flags, batch):
    """Greedy decoding with cached projections picks, at every step, the arg-max of a full
    causal pass over the tokens it produced (the decoding without any cache)."""
    torch.manual_seed(batch)
    head = _head(num_decoder_layers=2, **flags).eval()
    if flags.get("point_bias"):  # zero-initialised: make the bias matter
        for layer in head.decoder:
            torch.nn.init.normal_(layer.point_bias.mlp[-1].weight, std=0.5)
    _, samples = seqtr_samples(batch)
    feats = torch.randn(batch, 16, 2, 2)
    lang = torch.randn(batch, 16) if flags.get("language_token") else None
    with torch.no_grad():
        tokens = head(HeadInputs(feats, lang), samples)
        enc = head.encode(HeadInputs(feats, lang), samples)
        start = head._start(batch, "mask", enc)
        inputs = torch.cat([start, head._embed(tokens[:, :-1], enc)], 1)
        full = head.decode(inputs, enc).argmax(-1)
    for row, ref in zip(tokens, full, strict=True):
        ends = (row == 1000).nonzero()
        n = int(ends[0]) + 1 if len(ends) else row.numel()  # up to and including the first END
        assert torch.equal(row[:n], ref[:n])


def test_task_embedding_changes_mask_inputs_only():
    torch.manual_seed(0)
    head = _head(task_prompt=True, task_embedding=True, box_loss_weight=1.0)
    _, samples = seqtr_samples(2)
    enc = head.encode(HeadInputs(torch.randn(2, 16, 2, 2), None), samples)
    tokens = torch.randint(0, 1000, (2, 5))
    plain = head.token_embed(tokens)
    torch.testing.assert_close(head._embed(tokens, enc, task="box"), plain)
    torch.testing.assert_close(head._embed(tokens, enc, task="mask"), plain + head.mask_task_embed)
    losses = head.loss(HeadInputs(torch.randn(2, 16, 2, 2), None), samples)
    (losses["loss_mask"] + losses["loss_box"]).backward()
    assert head.mask_task_embed.grad.abs().sum() > 0
    head.zero_grad()
    head.loss(HeadInputs(torch.randn(2, 16, 2, 2), None), samples)["loss_box"].backward()
    assert head.mask_task_embed.grad is None or head.mask_task_embed.grad.abs().sum() == 0


def test_task_init_std_sets_the_scale_of_prompt_and_embedding():
    torch.manual_seed(0)
    small = _head(d_model=256, num_heads=2, task_prompt=True, task_embedding=True)
    token = _head(
        d_model=256, num_heads=2, task_prompt=True, task_embedding=True, task_init_std=1.0
    )
    assert float(small.task_prompt.detach().std()) < 0.05
    assert float(small.mask_task_embed.detach().std()) < 0.05
    for vec in (token.task_prompt, token.mask_task_embed):
        assert 0.8 < float(vec.detach().std()) < 1.2
    # the token scale is that of an nn.Embedding row, the point of the option
    row_norm = token.token_embed.weight.detach().norm(dim=-1).mean()
    assert 0.8 < float(token.task_prompt.detach().norm() / row_norm) < 1.2


def test_dense_targets_follow_mask_and_box_supervision():
    head = _head(dense_loss_weight=1.0)
    _, samples = seqtr_samples(3)
    samples[1].set_metainfo(dict(supervision="box"))
    samples[1].gt_mask.data[:] = False  # box samples must not read their (absent) mask
    samples[2].set_metainfo(dict(supervision="none"))
    targets, valid = head.dense_pred.targets(samples, (8, 8), torch.device("cpu"))
    assert targets.shape == (3, 1, 8, 8) and valid.tolist() == [True, True, False]
    # 64 px input -> 8 px cells; sample 0 is rows 8-27, cols 10-33 (480 px = 7.5 cells)
    assert torch.isclose(targets[0].sum() * 64, torch.tensor(480.0))
    assert targets[0, 0, 1, 2] == 1.0 and targets[0, 0, 0, 0] == 0.0
    # the box of sample 1 (rows 12-31, cols 12-35) is filled although its mask is empty
    assert torch.isclose(targets[1].sum() * 64, torch.tensor(480.0))
    no_box = _head(dense_loss_weight=1.0, dense_box_targets=False)
    assert no_box.dense_pred.targets(samples, (8, 8), torch.device("cpu"))[1].tolist() == [
        True,
        False,
        False,
    ]


def test_dense_loss_trains_the_encoder_and_is_weighted():
    head = _head(dense_loss_weight=2.0)
    _, samples = seqtr_samples(2)
    feats = torch.randn(2, 16, 4, 4, requires_grad=True)
    losses = head.loss(HeadInputs(feats, None), samples)
    assert set(losses) == {"loss_mask", "loss_dense"} and losses["loss_dense"] > 0
    losses["loss_dense"].backward()
    assert feats.grad.abs().sum() > 0
    ref = head.dense_loss_weight
    head.dense_loss_weight = 1.0
    torch.testing.assert_close(
        head.loss(HeadInputs(feats, None), samples)["loss_dense"] * ref,
        losses["loss_dense"].detach(),
    )
    for s in samples:
        s.set_metainfo(dict(supervision="none"))
    assert float(head.loss(HeadInputs(feats, None), samples)["loss_dense"].detach()) == 0.0


def test_dense_guided_start_depends_on_the_dense_map():
    torch.manual_seed(0)
    head = _head(dense_loss_weight=1.0, dense_guided_start=True).eval()
    _, samples = seqtr_samples(1)
    feats = torch.randn(1, 16, 4, 4)
    start = head._start(1, "mask", head.encode(HeadInputs(feats, None), samples))
    with torch.no_grad():
        head.dense_pred.bias.fill_(0.0)
        head.dense_pred.weight.mul_(50.0)  # sharper pooling weights -> another start token
    again = head._start(1, "mask", head.encode(HeadInputs(feats, None), samples))
    assert not torch.allclose(start, again)
    with pytest.raises(ValueError, match="dense_loss_weight"):
        _head(dense_guided_start=True)


def test_min_points_forbids_an_early_end():
    torch.manual_seed(0)
    head = _head(num_points=4, min_points=3).eval()
    with torch.no_grad():  # make END the favourite token everywhere
        head.predictor[-1].bias.zero_()
        head.predictor[-1].bias[head.end] = 100.0
    _, samples = seqtr_samples(2)
    feats = torch.randn(2, 16, 2, 2)
    tokens = head(HeadInputs(feats, None), samples)
    assert tokens.shape == (2, 9)
    assert (tokens[:, :6] < head.end).all() and (tokens[:, 6:] == head.end).all()
    head.min_points = 0
    assert (head(HeadInputs(feats, None), samples) == head.end).all()
    with pytest.raises(ValueError, match="min_points"):
        _head(num_points=4, min_points=5)


def test_parameter_names_are_those_of_checkpoints():
    """Checkpoints (official conversions, earlier risseg runs) name the head's parameters so."""
    head = _head(
        language_token=True,
        task_prompt=True,
        cctf=True,
        point_bias=True,
        dense_loss_weight=1.0,
        dense_guided_start=True,
        task_embedding=True,
    )
    names = set(head.state_dict())
    assert {n.split(".")[0] for n in names} == {
        "input_proj",
        "input_norm",
        "encoder",
        "decoder",
        "decoder_norm",
        "token_embed",
        "pos_1d",
        "task_prompt",
        "mask_task_embed",
        "predictor",
        "dense_pred",
        "start_proj",
    }
    assert {n for n in names if n.startswith(("dense_pred", "start_proj"))} == {
        "dense_pred.weight",
        "dense_pred.bias",
        "start_proj.weight",
        "start_proj.bias",
    }
    assert {
        "encoder.0.self_attn.in_proj_weight",
        "decoder.0.cross_attn.in_proj_weight",
        "predictor.4.bias",
        "pos_1d.embedding.weight",
    } <= names
