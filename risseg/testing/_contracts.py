"""Contract tests every registered model part inherits (style guide section 10); import in tests.

Subclass a contract with ``cfg = dict(type=..., <tiny arguments>)`` (or ``cfg =
dict(module=<callable returning the module>)``) and a test class name ``Test*``; pytest then runs
its ``test_contract_*`` methods. ``CONTRACTS`` lists which registered classes need one: every
class registered in the role's registry from the role's package. ``tests/test_testing/
test_contract_coverage.py`` fails for a class without a contract subclass. A new role (e.g.
heads) plugs in by adding a contract class here and a row to ``CONTRACTS``.

Heads (:class:`HeadContract`) are checked through the head contract of
``risseg.models.heads.base``: ``loss`` / ``forward`` / ``predict`` on :class:`HeadInputs` and
samples whose metainfo carries the input size.

Checks shared by every model contract: the outputs are finite, every trainable parameter gets
a gradient (so DistributedDataParallel needs no ``find_unused_parameters``), a sample's output
does not depend on the other samples of the batch (eval mode), and building under one seed is
deterministic.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from mmengine.registry import Registry
from mmengine.structures import PixelData
from torch import Tensor, nn

from risseg.models.heads.base import BaseMaskHead, BaseRISHead, HeadInputs
from risseg.registry import LABELERS, MODELS
from risseg.structures import RISDataSample, SampleList
from risseg.testing._labeler_contract import PseudoLabelerContract


def flat_tensors(out: Any) -> list[Tensor]:
    """Every tensor of a (nested) tuple / list output, in order."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for item in out for t in flat_tensors(item)]
    raise TypeError(f"expected tensors or sequences of tensors, got {type(out).__name__}")


def _take(inputs: tuple, n: int) -> tuple:
    """The first ``n`` samples of every batched tensor in ``inputs`` (lists: of each item)."""
    if isinstance(inputs, Tensor):
        return inputs[:n]
    return type(inputs)(_take(x, n) for x in inputs)


class ModelPartContract:
    """Checks shared by backbones, text encoders and necks (see the module docstring).

    Subclasses set ``cfg`` and implement ``make_inputs`` and ``check_outputs``.
    """

    registry: Registry = MODELS
    cfg: dict = {}
    batch: int = 2
    atol: float = 1e-5

    def build(self) -> nn.Module:
        """The module of ``cfg`` (``type``: built from the registry; ``module``: called)."""
        cfg = dict(self.cfg)
        return self.registry.build(cfg) if "type" in cfg else cfg["module"]()

    def make_inputs(self, batch: int) -> tuple:
        """Positional forward arguments for ``batch`` samples (seeded)."""
        raise NotImplementedError(f"{type(self).__name__} must define make_inputs")

    def check_outputs(self, module: nn.Module, out: Any, inputs: tuple) -> None:
        """Role-specific checks of one forward's output."""

    def test_contract_output(self):
        module = self.build().eval()
        inputs = self.make_inputs(self.batch)
        with torch.no_grad():
            out = module(*inputs)
        for t in flat_tensors(out):
            assert t.shape[0] == self.batch, f"batch dim {t.shape[0]} != {self.batch}"
            if t.is_floating_point():
                assert torch.isfinite(t).all(), "non-finite output"
        self.check_outputs(module, out, inputs)

    def test_contract_every_trainable_parameter_gets_a_gradient(self):
        torch.manual_seed(0)
        module = self.build().train()
        out = module(*self.make_inputs(self.batch))
        sum(t.float().sum() for t in flat_tensors(out) if t.is_floating_point()).backward()
        missing = [n for n, p in module.named_parameters() if p.requires_grad and p.grad is None]
        assert not missing, f"trainable parameters without a gradient: {missing[:8]}"

    def test_contract_samples_are_independent(self):
        module = self.build().eval()
        inputs = self.make_inputs(self.batch)
        with torch.no_grad():
            full = flat_tensors(module(*inputs))
            first = flat_tensors(module(*_take(inputs, 1)))
        for a, b in zip(full, first, strict=True):
            torch.testing.assert_close(a[:1], b, atol=self.atol, rtol=1e-4)

    def test_contract_deterministic(self):
        outs = []
        for _ in range(2):
            torch.manual_seed(0)
            module = self.build().eval()
            with torch.no_grad():
                outs.append(flat_tensors(module(*self.make_inputs(self.batch))))
        assert all(torch.equal(a, b) for a, b in zip(*outs, strict=True))


def random_words(batch: int, length: int, dim: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Word features (B, L, dim) and a left-aligned bool mask (B, L): sample i has L - i words."""
    g = torch.Generator().manual_seed(seed)
    words = torch.randn(batch, length, dim, generator=g)
    lengths = torch.tensor([max(length - i, 1) for i in range(batch)])
    return words, torch.arange(length)[None] < lengths[:, None]


class BackboneContract(ModelPartContract):
    """Image backbones: (B, 3, H, W) -> one (B, C_i, H_i, W_i) map per ``out_channels`` entry,
    finest first. Set ``text_dim`` for language-conditioned backbones, whose forward also takes
    word features (B, L, text_dim) and their bool mask (B, L)."""

    size: tuple[int, int] = (64, 64)
    text_dim: int | None = None
    text_length: int = 5

    def make_inputs(self, batch: int) -> tuple:
        g = torch.Generator().manual_seed(0)
        images = torch.randn(batch, 3, *self.size, generator=g)
        if self.text_dim is None:
            return (images,)
        return (images, *random_words(batch, self.text_length, self.text_dim))

    def check_outputs(self, module: nn.Module, out: Any, inputs: tuple) -> None:
        maps = list(out)
        channels = tuple(module.out_channels)
        assert len(maps) == len(channels), f"{len(maps)} maps for out_channels {channels}"
        sides = [tuple(m.shape[-2:]) for m in maps]
        for m, c in zip(maps, channels, strict=True):
            assert m.ndim == 4 and m.shape[1] == c, f"map {tuple(m.shape)} vs out_channels {c}"
        assert all(h <= self.size[0] and w <= self.size[1] for h, w in sides), sides
        assert sides == sorted(sides, reverse=True), f"maps not finest first: {sides}"


class TextEncoderContract(ModelPartContract):
    """Text encoders: ids (B, L) and bool mask (B, L) -> words (B, L, C), the mask (B, L) and
    a sentence feature (B, C), C = ``out_channels``; padding ids change nothing at real tokens."""

    length: int = 6
    vocab_size: int = 30

    def make_inputs(self, batch: int, pad_id: int = 0) -> tuple:
        g = torch.Generator().manual_seed(0)
        ids = torch.randint(1, self.vocab_size, (batch, self.length), generator=g)
        lengths = torch.tensor([max(self.length - 2 * i, 1) for i in range(batch)])
        mask = torch.arange(self.length)[None] < lengths[:, None]
        return ids.masked_fill(~mask, pad_id), mask

    def check_outputs(self, module: nn.Module, out: Any, inputs: tuple) -> None:
        words, mask, sent = out
        b, length = inputs[0].shape
        c = module.out_channels
        assert words.shape == (b, length, c) and sent.shape == (b, c), (words.shape, sent.shape)
        assert mask.dtype == torch.bool and torch.equal(mask, inputs[1])

    def test_contract_padding_is_ignored(self):
        module = self.build().eval()
        ids, mask = self.make_inputs(self.batch)
        other_ids, _ = self.make_inputs(self.batch, pad_id=self.vocab_size - 1)
        assert not mask.all(), "make_inputs must pad at least one sample"
        with torch.no_grad():
            words, _, sent = module(ids, mask)
            other_words, _, other_sent = module(other_ids, mask)
        torch.testing.assert_close(words[mask], other_words[mask], atol=self.atol, rtol=1e-4)
        torch.testing.assert_close(sent, other_sent, atol=self.atol, rtol=1e-4)


class NeckContract(ModelPartContract):
    """Fusion necks: image features and text in, fused features out. Subclasses give
    ``make_inputs`` (``random_words`` and ``image_levels`` help); with ``out_channels`` every
    output's dim 1 must equal it."""

    @staticmethod
    def image_levels(batch: int, channels: tuple[int, ...], sides: tuple[int, ...]) -> list:
        """Seeded (B, C_i, s_i, s_i) feature maps."""
        g = torch.Generator().manual_seed(1)
        return [
            torch.randn(batch, c, s, s, generator=g) for c, s in zip(channels, sides, strict=True)
        ]

    def check_outputs(self, module: nn.Module, out: Any, inputs: tuple) -> None:
        channels = getattr(module, "out_channels", None)
        if channels is not None:
            dims = [t.shape[1] for t in flat_tensors(out)]
            assert all(d == channels for d in dims), f"output dims {dims} vs {channels}"


def head_samples(batch: int, size: int = 64) -> SampleList:
    """``batch`` samples of a ``size`` x ``size`` input (no padding, original = input) with a
    rectangular ``gt_mask``, its ``gt_bbox`` and the input size in the metainfo; sample i's
    rectangle is shifted by 4 i pixels."""
    samples = []
    for i in range(batch):
        side = (size, size)
        sample = RISDataSample(
            metainfo=dict(
                ori_shape=side,
                img_shape=side,
                pad_shape=side,
                batch_input_shape=side,
                img_offset=(0, 0),
                scale_factor=(1.0, 1.0),
                flip=False,
                supervision="mask",
                ref_id=i,
            )
        )
        y0, x0 = size // 8 + 4 * i, size // 4
        mask = torch.zeros(1, *side, dtype=torch.bool)
        mask[:, y0 : y0 + size // 2, x0 : x0 + size // 3] = True
        sample.gt_mask = PixelData(data=mask)
        sample.gt_bbox = torch.tensor([x0, y0, x0 + size // 3, y0 + size // 2], dtype=torch.float32)
        samples.append(sample)
    return samples


class HeadContract:
    """Heads (``risseg.models.heads.base.BaseRISHead``): ``loss`` returns finite scalars that
    train every parameter, ``forward`` is per-sample and deterministic, ``predict`` fills a
    bool ``pred_mask`` at the original size; dense mask heads also give (B, 2, H, W) class
    probabilities. Subclasses set ``cfg`` and implement ``make_feats``.
    """

    registry: Registry = MODELS
    cfg: dict = {}
    batch: int = 2
    size: int = 64  # input side of head_samples
    atol: float = 1e-5

    def build(self) -> nn.Module:
        """The head of ``cfg`` (``type``: built from the registry; ``module``: called)."""
        cfg = dict(self.cfg)
        return self.registry.build(cfg) if "type" in cfg else cfg["module"]()

    def make_feats(self, batch: int) -> HeadInputs:
        """Seeded features of ``batch`` samples."""
        raise NotImplementedError(f"{type(self).__name__} must define make_feats")

    def make_samples(self, batch: int) -> SampleList:
        """Samples of the batch (default: :func:`head_samples`)."""
        return head_samples(batch, self.size)

    def test_contract_is_a_base_head(self):
        assert isinstance(self.build(), BaseRISHead)

    def test_contract_loss_trains_every_parameter(self):
        torch.manual_seed(0)
        head = self.build().train()
        losses = head.loss(self.make_feats(self.batch), self.make_samples(self.batch))
        assert losses and any(k.startswith("loss_") for k in losses), list(losses)
        total = 0.0
        for key, value in losses.items():
            assert value.ndim == 0 and torch.isfinite(value), f"{key}: {value}"
            if key.startswith("loss_"):
                total = total + value
        total.backward()
        missing = [n for n, p in head.named_parameters() if p.requires_grad and p.grad is None]
        assert not missing, f"trainable parameters without a gradient: {missing[:8]}"

    def test_contract_predict_fills_pred_mask(self):
        head = self.build().eval()
        samples = self.make_samples(self.batch)
        with torch.no_grad():
            out = head.predict(self.make_feats(self.batch), samples, {})
        assert len(out) == self.batch
        for sample in out:
            mask = sample.pred_mask.data
            assert mask.dtype == torch.bool, mask.dtype
            assert tuple(mask.shape) == (1, *sample.metainfo["ori_shape"]), tuple(mask.shape)

    def test_contract_samples_are_independent(self):
        head = self.build().eval()
        with torch.no_grad():
            full = head(self.make_feats(self.batch), self.make_samples(self.batch))
            first = head(_take_feats(self.make_feats(self.batch), 1), self.make_samples(1))
        assert full.shape[0] == self.batch
        if full.is_floating_point():
            assert torch.isfinite(full).all()
            torch.testing.assert_close(full[:1], first, atol=self.atol, rtol=1e-4)
        else:
            assert torch.equal(full[:1], first)

    def test_contract_deterministic(self):
        outs = []
        for _ in range(2):
            torch.manual_seed(0)
            head = self.build().eval()
            with torch.no_grad():
                outs.append(head(self.make_feats(self.batch), self.make_samples(self.batch)))
        assert torch.equal(*outs)

    def test_contract_mask_heads_give_class_probabilities(self):
        head = self.build().eval()
        if isinstance(head, BaseMaskHead):
            with torch.no_grad():
                probs = head.seg_probs(self.make_feats(self.batch), self.make_samples(self.batch))
            assert probs.shape == (self.batch, 2, self.size, self.size), tuple(probs.shape)
            torch.testing.assert_close(probs.sum(1), torch.ones_like(probs[:, 0]))
        else:  # sequence heads have no dense class scores
            assert not hasattr(head, "seg_probs"), "class scores belong to BaseMaskHead"


def _take_feats(feats: HeadInputs, n: int) -> HeadInputs:
    """The first ``n`` samples of every tensor of ``feats``."""
    return HeadInputs(
        **{name: None if value is None else _take(value, n) for name, value in vars(feats).items()}
    )


class Role(NamedTuple):
    """A role whose registered classes each need a contract subclass."""

    registry: Registry
    package: str  # classes whose module lies in this package
    contract: type


CONTRACTS: dict[str, Role] = {
    "backbone": Role(MODELS, "risseg.models.backbones", BackboneContract),
    "text_encoder": Role(MODELS, "risseg.models.text_encoders", TextEncoderContract),
    "neck": Role(MODELS, "risseg.models.necks", NeckContract),
    "labeler": Role(LABELERS, "risseg.labelers", PseudoLabelerContract),
    "head": Role(MODELS, "risseg.models.heads", HeadContract),
}


def registered_classes(role: Role) -> dict[str, type]:
    """Name -> class of every class in ``role.registry`` defined in ``role.package``."""
    role.registry.import_from_location()
    return {
        name: cls
        for name, cls in role.registry.module_dict.items()
        if cls.__module__ == role.package or cls.__module__.startswith(role.package + ".")
    }


def covered_class(case: type) -> type:
    """The class a concrete contract subclass tests: its ``cfg`` type, else what it builds."""
    cfg = dict(case.cfg)
    if isinstance(cfg.get("type"), str):
        cls = case.registry.get(cfg["type"])
        if cls is None:
            raise KeyError(f"{case.__qualname__}: {cfg['type']!r} is not in {case.registry.name}")
        return cls
    if isinstance(cfg.get("type"), type):
        return cfg["type"]
    return type(case().build())
