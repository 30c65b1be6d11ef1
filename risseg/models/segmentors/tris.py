"""TRIS stage 1: a localiser trained from image-expression pairs alone (no masks, no boxes)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import Tensor, nn

from risseg.models.layers.bilateral_prompt import BilateralPrompt
from risseg.models.losses.tris_losses import batch_sentence_cls_loss, batch_sentence_logits
from risseg.models.segmentors.base import BaseRISSegmentor
from risseg.models.utils import build, logits_to_original, stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList

FG_SPACES = ("clip", "input")


@MODELS.register_module()
class TRISLocalizer(BaseRISSegmentor):
    """TRIS localisation network (Liu et al., ICCV 2023, https://arxiv.org/abs/2308.14575).

    CLIP's ResNet C4 map, projected (1x1 conv) and L2-normalised per pixel, is compared with
    the projected, normalised CLIP sentence feature of every sentence the image sees, after the
    bilateral prompt: scores ``S = exp(tau) <V, T>`` (B, N, h, w). Training lets every image see
    all B sentences of the batch (B x B classification, own sentence positive) and adds the CLIP
    foreground losses on ``sigmoid(R) * image`` with R the own-sentence map; inference sees the
    sample's own sentence only: ``ReLU(R)`` at the original size, divided by its maximum.

    Args:
        backbone: e.g. ``OpenCLIPResNet`` (its last output, C4, is used; ``out_channels``).
        text_encoder: e.g. ``OpenCLIPTextEncoder`` (returns words, mask, sentence (B, D);
            ``embed_dim`` = D).
        hidden_dim: C of the projections (TRIS: 1024).
        prompt_weight: weight of the bilateral prompt residuals (TRIS: 0.1; 0 disables it).
        learn_temperature: train the temperature tau (init ln(1/0.07)). The release never hands
            it to its optimizer, so it stays at its initial value: ``False`` reproduces that.
        focal_p, focal_lambda: focal penalty of the classification logits (3, 0.01).
        fg_loss: a ``CLIPForegroundLoss`` config (None: no L_fg / L_neg).
        fg_space: the image that ``sigmoid(R)`` multiplies: ``'clip'`` re-normalises the input
            with the scorer's mean / std first; ``'input'`` takes the network input as it is
            (the release: ImageNet-normalised pixels into CLIP).
        loss_weights: ``cls``, ``fg``, ``neg`` (TRIS: 5, 1, 2).
        data_preprocessor, train_cfg, init_cfg: see ``BaseRISSegmentor``.
        test_cfg: ``mask_thr`` on the max-normalised map (default 0: every positive response,
            as released), ``rescale`` (default True).
    """

    def __init__(
        self,
        backbone: dict | nn.Module,
        text_encoder: dict | nn.Module,
        *,
        hidden_dim: int = 1024,
        prompt_weight: float = 0.1,
        learn_temperature: bool = True,
        focal_p: float = 3.0,
        focal_lambda: float = 0.01,
        fg_loss: dict | nn.Module | None = None,
        fg_space: str = "clip",
        loss_weights: dict | None = None,
        data_preprocessor: dict | nn.Module | None = None,
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor, train_cfg, test_cfg, init_cfg)
        if fg_space not in FG_SPACES:
            raise ValueError(
                f"TRISLocalizer: fg_space must be one of {FG_SPACES}, got {fg_space!r}"
            )
        self.backbone = build(backbone)
        self.text_encoder = build(text_encoder)
        self.vis_proj = nn.Conv2d(self.backbone.out_channels[-1], hidden_dim, 1)
        self.lang_proj = nn.Linear(self.text_encoder.embed_dim, hidden_dim)
        self.prompt = BilateralPrompt(hidden_dim) if prompt_weight > 0 else None
        self.prompt_weight = prompt_weight
        self.logit_scale = nn.Parameter(
            torch.tensor(math.log(1 / 0.07)), requires_grad=learn_temperature
        )
        self.focal_p, self.focal_lambda = focal_p, focal_lambda
        self.fg_loss = build(fg_loss)
        self.fg_space = fg_space
        self.loss_weights = {**dict(cls=5.0, fg=1.0, neg=2.0), **(loss_weights or {})}

    def scores(self, inputs: Tensor, data_samples: SampleList, pairing: str = "own") -> Tensor:
        """Response scores of each image with sentences.

        Args:
            inputs: (B, 3, H, W) normalised images.
            data_samples: B samples with ``text_ids`` / ``text_mask``.
            pairing: ``'own'`` (each image with its own sentence, N = 1) or ``'all'`` (with
                every sentence of the batch, N = B).

        Returns:
            (B, N, h, w) scores ``exp(tau) <V, T>`` on the C4 grid.
        """
        ids, mask = stack_text(data_samples)
        sent = self.text_encoder(ids.to(inputs.device), mask.to(inputs.device))[2]
        lang = F.normalize(self.lang_proj(sent), dim=-1)  # (B, C)
        b = inputs.shape[0]
        lang = lang[None].expand(b, b, -1) if pairing == "all" else lang[:, None]  # (B, N, C)
        vis = F.normalize(self.vis_proj(self.backbone(inputs)[-1]), dim=1)  # (B, C, h, w)
        if self.prompt is not None:
            vis_p, lang_p = self.prompt(vis, lang)
            vis = vis + self.prompt_weight * vis_p
            lang = lang + self.prompt_weight * lang_p
        return self.logit_scale.exp() * torch.einsum("bchw,bnc->bnhw", vis, lang)

    def _fg_pixels(self, inputs: Tensor, prob: Tensor) -> Tensor:
        """``sigmoid(R) * image`` at the scorer's size, in the space ``fg_space`` names."""
        image = inputs
        if self.fg_space == "clip":
            pre = self.data_preprocessor
            if getattr(pre, "_enable_normalize", False):
                image = image * pre.std + pre.mean  # back to 0-255
            image = self.fg_loss.normalise(self.fg_loss.resize(image / 255.0))
        else:
            image = self.fg_loss.resize(image)
        return self.fg_loss.resize(prob) * image

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """``loss_cls`` (B x B sentences) and, with ``fg_loss``, ``loss_fg`` / ``loss_neg``."""
        scores = self.scores(inputs, data_samples, pairing="all")  # (B, B, h, w)
        w = self.loss_weights
        cls = batch_sentence_logits(scores, self.focal_p, self.focal_lambda)
        losses = dict(loss_cls=w["cls"] * batch_sentence_cls_loss(cls))
        if self.fg_loss is None:
            return losses
        own = scores.diagonal(dim1=0, dim2=1).permute(2, 0, 1)[:, None]  # (h, w, B) -> (B,1,h,w)
        own = F.interpolate(own, size=inputs.shape[-2:], mode="bilinear", align_corners=False)
        texts = [s.metainfo["text"] for s in data_samples]
        negs = [s.metainfo.get("neg_texts") for s in data_samples]
        negs = negs if all(negs) and w["neg"] > 0 else None
        fg = self.fg_loss(self._fg_pixels(inputs, own.sigmoid()), texts, negs)
        losses["loss_fg"] = w["fg"] * fg["loss_fg"]
        if "loss_neg" in fg:
            losses["loss_neg"] = w["neg"] * fg["loss_neg"]
        return losses

    def response_maps(self, inputs: Tensor, data_samples: SampleList) -> Tensor:
        """(B, 1, h, w) ``ReLU`` own-sentence response maps on the C4 grid."""
        return F.relu(self.scores(inputs, data_samples, pairing="own"))

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """``pred_logits`` (the max-normalised response map), ``pred_mask`` and ``pred_peak``.

        ``pred_peak`` (metainfo) is the (x, y) pixel of the map's maximum, in the frame of
        ``pred_mask`` (the original image unless ``test_cfg.rescale`` is False).
        """
        maps = self.response_maps(inputs, data_samples)
        thr = self.test_cfg.get("mask_thr", 0.0)
        for r, sample in zip(maps, data_samples, strict=True):
            meta = sample.metainfo
            if self.test_cfg.get("rescale", True):
                r = logits_to_original(r, meta)
            else:
                h, w = meta["img_shape"][:2]
                r = F.interpolate(r[None], size=meta.get("pad_shape", (h, w))[:2], mode="bilinear")
                r = r[0, :, :h, :w]
            r = r / (r.max() + 1e-5)
            sample.pred_logits = PixelData(data=r)
            sample.pred_mask = PixelData(data=r > thr)
            y, x = divmod(int(r[0].argmax()), r.shape[-1])
            sample.set_metainfo(dict(pred_peak=(x, y)))
        return data_samples

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """(B, 1, h, w) own-sentence scores (no ReLU)."""
        return self.scores(inputs, data_samples, pairing="own")
