"""Token sequences of the SeqTR head -> ``pred_mask``, ``pred_points`` and ``pred_bbox``.

``test_cfg`` (docs/metrics.md, "Protocols"):
    frame: where predictions are expressed and rasterised. 'original' (default): the
        original image (``ori_shape``); 'input': the resized content, i.e. the padded input
        cropped to ``img_shape``; 'pad': the sample's whole padded frame (the head's
        quantisation frame, SeqTR's ``pad_shape``), as SeqTR's release evaluates.
        The chosen frame is stored as the sample's ``pred_frame`` metainfo.
    rescale: the older switch, True = 'original', False = 'input'; used when ``frame``
        is absent and must agree with it when both are given.
    pixel_offset: (default 0.5) added to the decoded pixel-index points before
        rasterising, so the polygon runs through pixel centres (SeqTR used 0; on 128 px
        SynthRef masks 0.5 raises the mask -> 18 points -> mask round-trip IoU, see
        benchmarks/seqtr_contour_roundtrip.py).
    two_points: how a 2-point sequence becomes a box, 'corners' (default) or 'xywh'
        (the release), see :func:`risseg.utils.contour.points_to_mask`.
"""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.models.utils import boxes_to_original
from risseg.utils.contour import points_to_mask, tokens_to_box, tokens_to_points

FRAMES = ("original", "input", "pad")


def resolve_frame(test_cfg: dict) -> str:
    """The output frame ('original', 'input' or 'pad') selected by ``test_cfg``.

    ``frame`` wins; without it ``rescale`` (default True) picks 'original' or 'input'. A
    ``rescale`` that contradicts ``frame`` is an error rather than silently ignored.
    """
    frame = test_cfg.get("frame")
    rescale = test_cfg.get("rescale")
    if frame is None:
        return "original" if rescale is None or rescale else "input"
    if frame not in FRAMES:
        raise ValueError(f"SeqTRSegmentor: test_cfg.frame must be one of {FRAMES}, got {frame!r}.")
    if rescale is not None and bool(rescale) != (frame == "original"):
        raise ValueError(
            f"SeqTRSegmentor: test_cfg.rescale={rescale!r} contradicts test_cfg.frame={frame!r} "
            "(rescale=True means frame='original'); drop rescale or make them agree."
        )
    return frame


def check_seq_test_cfg(test_cfg: dict) -> None:
    """Raise ValueError for a bad ``frame`` / ``rescale`` / ``two_points`` (at build time)."""
    resolve_frame(test_cfg)
    two_points = test_cfg.get("two_points", "corners")
    if two_points not in ("corners", "xywh"):
        raise ValueError(
            f"SeqTRSegmentor: test_cfg.two_points must be 'corners' or 'xywh', got {two_points!r}."
        )


def _output_size(sample, frame: str, coord_frame: tuple[int, int]) -> tuple[int, int]:
    """(H, W) of the output frame of one sample."""
    if frame == "pad":
        return coord_frame
    shape = sample.metainfo["ori_shape" if frame == "original" else "img_shape"]
    return int(shape[0]), int(shape[1])


def _to_output(points: Tensor, sample, frame: str) -> Tensor:
    """Map (M, 2) x, y points from the padded input to the output frame."""
    meta = sample.metainfo
    if frame == "pad":
        return points
    if frame == "original":
        boxes = boxes_to_original(points.repeat(1, 2), meta)  # (M, 2) -> (M, 4) -> back
        return boxes[:, :2]
    x0, y0 = meta.get("img_offset", (0, 0))
    return points - points.new_tensor([x0, y0])


def tokens_to_sample(
    tokens: Tensor,
    sample,
    test_cfg: dict,
    *,
    coord_frame: tuple[int, int],
    num_bins: int,
    task: str,
) -> None:
    """Fill ``pred_mask``, ``pred_points``, ``pred_bbox`` and ``pred_frame`` of one sample.

    Args:
        tokens: (2N + 1,) mask tokens or (4,) box tokens of the sample.
        sample: the sample (its metainfo gives the frames).
        test_cfg: see the module docstring.
        coord_frame: (H, W) the tokens were quantised against.
        num_bins: coordinate bins of the head.
        task: 'mask' (contour points) or 'box'.
    """
    frame_name = resolve_frame(test_cfg)
    height, width = _output_size(sample, frame_name, coord_frame)
    if task == "box":
        box = tokens_to_box(tokens, coord_frame, num_bins).view(2, 2)
        box = _to_output(box, sample, frame_name)
        x1, y1 = box.min(0).values.tolist()
        x2, y2 = box.max(0).values.tolist()
        corners = torch.tensor([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
        mask = points_to_mask(corners, height, width)
        sample.pred_bbox = torch.tensor([x1, y1, x2, y2])
        sample.pred_points = corners
    else:
        # contour points are pixel indices; the polygon goes through pixel centres
        offset = float(test_cfg.get("pixel_offset", 0.5))
        points = tokens_to_points(tokens, coord_frame, num_bins) + offset
        points = _to_output(points, sample, frame_name)
        mask = points_to_mask(
            points, height, width, two_points=test_cfg.get("two_points", "corners")
        )
        points = points - offset
        if len(points) >= 2:
            lo, hi = points.min(0).values, points.max(0).values
            sample.pred_bbox = torch.cat([lo, hi]).float()
        else:
            sample.pred_bbox = torch.zeros(4)
        sample.pred_points = points.float()
    sample.pred_mask = PixelData(data=torch.from_numpy(mask)[None])
    sample.set_metainfo(dict(pred_frame=frame_name))
