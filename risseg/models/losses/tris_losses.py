"""TRIS stage-1 losses: batch-sentence classification, and CLIP foreground / negative losses.

* :func:`batch_sentence_logits` turns response scores into one logit per (image, sentence):
  GAP + GMP of the scores plus a focal penalty on the softmax foreground share (from WWbL /
  CLIMS); :func:`batch_sentence_cls_loss` is the multilabel soft-margin loss against the
  identity (each image's own sentence positive, the others of the batch negative).
* :class:`CLIPForegroundLoss` scores the foreground image ``sigmoid(R) * image`` with a frozen
  CLIP (any :class:`~risseg.foundation.image_text_scorer.ImageTextScorer`): ``L_fg = -log cos``
  with the positive sentence and ``L_neg = -log(1 - cos)`` with negative sentences. Gradients
  flow through the foreground image into the localiser, never into CLIP.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.registry import FOUNDATION_MODELS, MODELS


def batch_sentence_logits(
    scores: Tensor, focal_p: float = 3.0, focal_lambda: float = 0.01
) -> Tensor:
    """Image-sentence logits from response scores (TRIS training head).

    A constant background logit 1 is stacked before the N sentence maps and a softmax over the
    1 + N channels gives each sentence's foreground share M_n; the logit is
    ``mean_p S_n + max_p S_n + (1 - mean_p M_n)^p * log(lambda + mean_p M_n)``.

    Args:
        scores: (B, N, h, w) scaled cosine scores of every image with N sentences.
        focal_p: exponent p of the focal penalty (TRIS: 3).
        focal_lambda: lambda inside the log (TRIS: 0.01).

    Returns:
        (B, N) logits.
    """
    flat = scores.flatten(2)  # (B, N, h, w) -> (B, N, hw)
    bg = torch.ones_like(flat[:, :1])
    share = torch.cat([bg, flat], dim=1).softmax(dim=1)[:, 1:].mean(-1)  # (B, N)
    focal = (1 - share).pow(focal_p) * torch.log(focal_lambda + share)
    return flat.mean(-1) + flat.amax(-1) + focal


def batch_sentence_cls_loss(logits: Tensor) -> Tensor:
    """Multilabel soft-margin loss of (B, B) logits against the identity (own sentence = 1)."""
    if logits.ndim != 2 or logits.shape[0] != logits.shape[1]:
        raise ValueError(f"expected (B, B) logits, got {tuple(logits.shape)}")
    target = torch.eye(logits.shape[0], device=logits.device, dtype=logits.dtype)
    return F.multilabel_soft_margin_loss(logits, target)


def foreground_text_loss(cos: Tensor, eps: float = 1e-4) -> Tensor:
    """``mean(-log(clamp(cos, eps, 1 - eps)))``: pull the foreground towards its sentence."""
    return -torch.log(cos.clamp(eps, 1 - eps)).mean()


def negative_text_loss(cos: Tensor, eps: float | None = 1e-4) -> Tensor:
    """``mean(-log(1 - cos))``: push the foreground away from negative sentences.

    Args:
        cos: (B, K) cosines with the K negatives of each sample.
        eps: clamp ``cos`` to ``<= 1 - eps`` (None: unclamped as released, infinite at 1).
    """
    if eps is not None:
        cos = cos.clamp(max=1 - eps)
    return -torch.log(1 - cos).mean(-1).mean()


def scorer_pixel_spec(scorer: nn.Module) -> tuple[int, tuple, tuple]:
    """``(size, mean, std)`` of a scorer's image input (mean / std in 0-1 units).

    Read from the scorer's own evaluation transform (open_clip) or processor (transformers).
    """
    processor = getattr(scorer, "processor", None)
    if processor is not None:  # HFCLIPScorer
        ip = processor.image_processor
        crop = ip.crop_size
        size = crop["height"] if isinstance(crop, dict) else int(crop)
        return int(size), tuple(ip.image_mean), tuple(ip.image_std)
    size, mean, std = None, None, None
    for t in getattr(scorer.transform, "transforms", []):
        if hasattr(t, "mean") and hasattr(t, "std"):
            mean, std = tuple(t.mean), tuple(t.std)
        if type(t).__name__ == "CenterCrop":
            size = t.size[0] if isinstance(t.size, (tuple, list)) else t.size
    if size is None or mean is None:
        raise ValueError(f"cannot read the input size / normalisation of {type(scorer).__name__}")
    return int(size), mean, std


def image_features_with_grad(scorer: nn.Module, pixels: Tensor) -> Tensor:
    """(N, D) L2-normalised image features of preprocessed pixels, differentiable in ``pixels``.

    ``ImageTextScorer.encode_images`` runs under ``torch.inference_mode``; this calls the
    wrapped model's own image tower directly (open_clip ``encode_image`` or transformers
    ``get_image_features``) so gradients reach the pixels while the frozen weights get none.
    """
    model = scorer.model
    if hasattr(model, "encode_image"):  # open_clip
        feats = model.encode_image(pixels)
    else:
        feats = model.get_image_features(pixel_values=pixels)
        feats = feats if isinstance(feats, Tensor) else feats.pooler_output
    return F.normalize(feats.float(), dim=-1)


@MODELS.register_module()
class CLIPForegroundLoss(nn.Module):
    """L_fg and L_neg of TRIS with a frozen image-text scorer.

    The scorer is built from ``FOUNDATION_MODELS`` and held outside the module tree, so its
    weights are neither trained nor saved in checkpoints; it follows the inputs' device.

    Args:
        scorer: an ImageTextScorer config (TRIS: CLIP ViT-B/32) or a built scorer.
        eps: clamp of the cosines inside the logs.
        neg_eps: clamp of L_neg (None: unclamped, as released).
        align_corners: of the bilinear resize to the scorer's input size (release: True).
    """

    def __init__(
        self,
        scorer: dict | nn.Module,
        eps: float = 1e-4,
        neg_eps: float | None = 1e-4,
        align_corners: bool = True,
    ) -> None:
        super().__init__()
        built = FOUNDATION_MODELS.build(scorer) if isinstance(scorer, dict) else scorer
        for p in built.parameters():
            p.requires_grad_(False)
        self._scorer = (built.eval(),)  # a tuple keeps it out of parameters / state_dict
        self.size, self.mean, self.std = scorer_pixel_spec(built)
        self.eps, self.neg_eps, self.align_corners = eps, neg_eps, align_corners

    @property
    def scorer(self) -> nn.Module:
        """The frozen scorer."""
        return self._scorer[0]

    def resize(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, C, S, S) at the scorer's input size S."""
        if x.shape[-2:] == (self.size, self.size):
            return x
        return F.interpolate(
            x, size=(self.size, self.size), mode="bilinear", align_corners=self.align_corners
        )

    def normalise(self, rgb01: Tensor) -> Tensor:
        """Apply the scorer's mean / std to (B, 3, H, W) RGB in [0, 1]."""
        mean = rgb01.new_tensor(self.mean)[:, None, None]
        std = rgb01.new_tensor(self.std)[:, None, None]
        return (rgb01 - mean) / std

    def text_features(self, texts: Sequence[str], device: torch.device) -> Tensor:
        """(M, D) normalised features of ``texts`` as an ordinary (autograd-usable) tensor."""
        with torch.no_grad():
            return self.scorer.encode_texts(list(texts)).to(device).clone()

    def forward(
        self, fg_pixels: Tensor, texts: Sequence[str], neg_texts: Sequence[Sequence[str]] | None
    ) -> dict[str, Tensor]:
        """L_fg and (with negatives) L_neg.

        Args:
            fg_pixels: (B, 3, S, S) foreground images, already in the scorer's input space.
            texts: the B positive sentences.
            neg_texts: B lists of K negative sentences, or None.

        Returns:
            ``{'loss_fg', 'loss_neg'?}`` (unweighted).
        """
        device = fg_pixels.device
        if next(self.scorer.parameters()).device != device:
            self.scorer.to(device)
        img = image_features_with_grad(self.scorer, fg_pixels)  # (B, D)
        pos = self.text_features(texts, device)  # (B, D)
        out = dict(loss_fg=foreground_text_loss((img * pos).sum(-1), self.eps))
        if neg_texts:
            k = len(neg_texts[0])
            if any(len(n) != k for n in neg_texts):
                raise ValueError(
                    "CLIPForegroundLoss: every sample needs the same number of negatives"
                )
            neg = self.text_features([t for n in neg_texts for t in n], device)
            cos = torch.einsum("bd,bkd->bk", img, neg.view(len(neg_texts), k, -1))
            out["loss_neg"] = negative_text_loss(cos, self.neg_eps)
        return out
