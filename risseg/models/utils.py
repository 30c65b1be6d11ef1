"""Small helpers shared by every model: building children and mapping outputs back."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.registry import MODELS


def build(cfg_or_module: dict | nn.Module | None) -> nn.Module | None:
    """Build a child from a config dict, or pass a built module (or None) through.

    Args:
        cfg_or_module: ``dict(type=...)`` resolved in the MODELS registry, or a module.

    Returns:
        The module, or None.
    """
    if cfg_or_module is None or isinstance(cfg_or_module, nn.Module):
        return cfg_or_module
    return MODELS.build(cfg_or_module)


def stack_text(data_samples: Sequence) -> tuple[Tensor, Tensor]:
    """Stack the tokenised expressions of a batch.

    Args:
        data_samples: B samples with ``text_ids`` (L,) and ``text_mask`` (L,).

    Returns:
        ids (B, L) int64 and mask (B, L) bool.
    """
    ids = torch.stack([s.text_ids for s in data_samples])
    mask = torch.stack([s.text_mask for s in data_samples]).bool()
    return ids, mask


def stack_gt_masks(data_samples: Sequence, device: torch.device | None = None) -> Tensor:
    """Stack the GT masks of a batch, zero-padding each to the largest size.

    Args:
        data_samples: B samples with ``gt_mask.data`` bool (1, H_i, W_i).

    Returns:
        (B, 1, H, W) float tensor with values in {0, 1}.
    """
    masks = [s.gt_mask.data for s in data_samples]
    h = max(m.shape[-2] for m in masks)
    w = max(m.shape[-1] for m in masks)
    out = masks[0].new_zeros((len(masks), 1, h, w), dtype=torch.float32)
    for i, m in enumerate(masks):
        out[i, :, : m.shape[-2], : m.shape[-1]] = m.float()
    return out if device is None else out.to(device)


def logits_to_original(logits: Tensor, metainfo: dict, mode: str = "bilinear") -> Tensor:
    """Map one logits map from the padded network input back to the original image.

    Undoes, in order: the output stride (resize to ``pad_shape``), the padding and letterbox
    offset (crop ``img_shape`` at ``img_offset``) and the resize (to ``ori_shape``). A
    horizontal flip recorded in ``flip`` is undone as well.

    Args:
        logits: (C, h, w) map covering the whole padded input (any stride).
        metainfo: the sample's metainfo with pad_shape, img_shape, ori_shape and optionally
            img_offset (x, y) and flip.
        mode: interpolation mode for both resizes; for masks use "nearest-exact" (torch's
            "nearest" samples off-centre and shifts a mask by up to one pixel).

    Returns:
        (C, H_ori, W_ori) tensor.
    """
    pad_h, pad_w = metainfo.get("pad_shape", metainfo["img_shape"])[:2]
    img_h, img_w = metainfo["img_shape"][:2]
    ori_h, ori_w = metainfo["ori_shape"][:2]
    x0, y0 = metainfo.get("img_offset", (0, 0))
    # align_corners exists only for the interpolating modes ('nearest-exact' and 'area' reject it)
    kwargs = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    x = logits[None].float()
    if x.shape[-2:] != (pad_h, pad_w):
        x = F.interpolate(x, size=(pad_h, pad_w), mode=mode, **kwargs)
    x = x[..., y0 : y0 + img_h, x0 : x0 + img_w]
    if (img_h, img_w) != (ori_h, ori_w):
        x = F.interpolate(x, size=(ori_h, ori_w), mode=mode, **kwargs)
    if metainfo.get("flip", False):
        x = x.flip(-1)
    return x[0]


def boxes_to_original(boxes: Tensor, metainfo: dict) -> Tensor:
    """Map xyxy boxes from the padded network input back to the original image.

    Args:
        boxes: (..., 4) xyxy in input pixels.
        metainfo: as for :func:`logits_to_original`.

    Returns:
        (..., 4) xyxy in original pixels, clipped to the image.
    """
    x0, y0 = metainfo.get("img_offset", (0, 0))
    w_scale, h_scale = metainfo.get("scale_factor", (1.0, 1.0))
    ori_h, ori_w = metainfo["ori_shape"][:2]
    out = boxes.float().clone()
    out[..., 0::2] = (out[..., 0::2] - x0) / w_scale
    out[..., 1::2] = (out[..., 1::2] - y0) / h_scale
    if metainfo.get("flip", False):
        out[..., 0::2] = ori_w - out[..., [2, 0]]
    out[..., 0::2] = out[..., 0::2].clamp(0, ori_w)
    out[..., 1::2] = out[..., 1::2].clamp(0, ori_h)
    return out
