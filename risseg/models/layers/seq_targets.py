"""Sequence targets of the SeqTR head: coordinate frames, padding masks and target tokens.

Coordinates are quantised into ``num_bins`` bins relative to a per-sample frame
(:func:`coord_frame`); a mask becomes its N contour points as 2N tokens, a box its 4 corner
coordinates (:mod:`risseg.utils.contour`). Nothing here has parameters.
"""

from __future__ import annotations

import torch
from torch import Tensor

from risseg.structures import SampleList
from risseg.utils.contour import box_to_tokens, mask_to_contour_points, points_to_tokens


def pad_shape_of(sample) -> tuple[int, int]:
    """(H, W) of the padded network input of a sample."""
    meta = sample.metainfo
    shape = meta.get("pad_shape", meta.get("batch_input_shape", meta.get("img_shape")))
    return int(shape[0]), int(shape[1])


def coord_frame(sample, size_divisor: int | None = 32) -> tuple[int, int]:
    """(H, W) that coordinates are quantised against (the ``relative`` mapping).

    SeqTR divides by the image's own padded size: the resized content (plus any letterbox
    offset) rounded up to a multiple of ``size_divisor``. This does not depend on how much
    further the batch was padded. ``size_divisor=None`` uses the batch ``pad_shape``.
    """
    if size_divisor is None:
        return pad_shape_of(sample)
    meta = sample.metainfo
    img_h, img_w = meta["img_shape"][:2]
    x0, y0 = meta.get("img_offset", (0, 0))
    return (
        -(-(int(img_h) + int(y0)) // size_divisor) * size_divisor,
        -(-(int(img_w) + int(x0)) // size_divisor) * size_divisor,
    )


@torch.compiler.disable
def feature_padding_mask(
    samples: SampleList, feat_shape: tuple[int, int], device: torch.device
) -> Tensor:
    """(B, h, w) bool map, True on feature cells that only cover input padding."""
    h, w = feat_shape
    masks = []
    for sample in samples:
        pad_h, pad_w = pad_shape_of(sample)
        img_h, img_w = sample.metainfo.get("img_shape", (pad_h, pad_w))[:2]
        x0, y0 = sample.metainfo.get("img_offset", (0, 0))
        ys = torch.arange(h, device=device) * (pad_h / h)  # top pixel row of each cell
        xs = torch.arange(w, device=device) * (pad_w / w)
        valid_y = (ys < y0 + img_h) & (ys + pad_h / h > y0)
        valid_x = (xs < x0 + img_w) & (xs + pad_w / w > x0)
        masks.append(~(valid_y[:, None] & valid_x[None, :]))
    return torch.stack(masks)


class SeqTargets:
    """Target token sequences of a batch (teacher forcing).

    Args:
        num_points: N contour points of a mask sequence.
        num_bins: coordinate bins; END = ``num_bins``.
        shuffle_fraction: fraction of a batch whose valid points are permuted (<= 0: none).
        size_divisor: see :func:`coord_frame`.
    """

    def __init__(
        self,
        num_points: int,
        num_bins: int,
        *,
        shuffle_fraction: float = -1.0,
        size_divisor: int | None = 32,
    ) -> None:
        self.num_points = num_points
        self.num_bins = num_bins
        self.end = num_bins
        self.shuffle_fraction = shuffle_fraction
        self.size_divisor = size_divisor

    def coord_frame(self, sample) -> tuple[int, int]:
        """(H, W) the sample's coordinates are quantised against (see :func:`coord_frame`)."""
        return coord_frame(sample, self.size_divisor)

    @torch.compiler.disable
    def point_tokens(self, samples: SampleList, device: torch.device) -> Tensor:
        """(B, 2N) mask-sequence tokens from ``gt_points`` (computed from ``gt_mask`` if absent)."""
        rows = []
        for sample in samples:
            if "gt_points" in sample:
                points = torch.as_tensor(sample.gt_points, dtype=torch.float32)
            elif "gt_mask" in sample:
                mask = sample.gt_mask.data[0].cpu().numpy()
                points = torch.from_numpy(mask_to_contour_points(mask, self.num_points))
            else:
                points = torch.full((self.num_points, 2), -1.0)
            if points.shape != (self.num_points, 2):
                raise ValueError(
                    f"gt_points of ref {sample.metainfo.get('ref_id')} has shape "
                    f"{tuple(points.shape)}, expected ({self.num_points}, 2)"
                )
            frame = self.coord_frame(sample)
            rows.append(points_to_tokens(points.to(device), frame, self.num_bins))
        return torch.stack(rows)

    @torch.compiler.disable
    def box_tokens(self, samples: SampleList, device: torch.device) -> Tensor:
        """(B, 4) box-sequence tokens from ``gt_bbox`` (xyxy in the input frame)."""
        boxes = torch.stack([s.gt_bbox.float() for s in samples]).to(device)  # (B, 4)
        pads = torch.tensor([self.coord_frame(s) for s in samples], device=device)  # (B, 2)
        return box_to_tokens(boxes, pads, self.num_bins)

    def shuffle_points(self, tokens: Tensor) -> Tensor:
        """Permute the valid points of a random ``shuffle_fraction`` of the batch.

        One random permutation of the N slots is drawn; a selected sample with n valid points
        takes its points in the order that permutation gives to slots 0..n-1, so END padding
        stays at the end (the release also moved END pairs into the middle).
        """
        b = tokens.shape[0]
        num_shuffled = int(b * self.shuffle_fraction)
        if self.shuffle_fraction <= 0 or num_shuffled == 0:
            return tokens
        points = tokens.view(b, self.num_points, 2).clone()  # (B, 2N) -> (B, N, 2)
        perm = torch.randperm(self.num_points, device=tokens.device)
        for i in torch.randperm(b)[:num_shuffled].tolist():
            n = int((points[i, :, 0] != self.end).sum())
            order = perm[perm < n]
            points[i, :n] = points[i, order]
        return points.view(b, -1)

    @staticmethod
    @torch.compiler.disable
    def supervised(samples: SampleList, device: torch.device) -> Tensor:
        """(B,) bool: samples whose mask may be trained on (supervision 'mask' or unset)."""
        flags = [s.metainfo.get("supervision", "mask") == "mask" for s in samples]
        return torch.tensor(flags, device=device)
