"""SeqTR: referring segmentation (or grounding) as contour-point sequence prediction."""
from __future__ import annotations

import torch
from mmengine.structures import PixelData
from torch import Tensor

from risseg.models.segmentors.encoder_decoder import RISSegmentor
from risseg.models.utils import boxes_to_original, stack_text
from risseg.registry import MODELS
from risseg.structures import SampleList
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


@MODELS.register_module()
class SeqTRSegmentor(RISSegmentor):
    """SeqTR (https://arxiv.org/abs/2203.16265) and Partial-RES on it.

    backbone (B, 3, H, W) -> 3 maps; text_encoder (ids, mask) -> sentence feature (B, C);
    neck -> multimodal map (B, C, h, w) [+ language token]; head -> tokens. Predictions: the
    decoded polygon rasterised as ``pred_mask``, its points as ``pred_points`` (M, 2) and its
    bounding box as ``pred_bbox`` (4,); for a box head, the box (and its filled mask).

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

    Args:
        backbone, text_encoder, neck, head: configs or modules.
        data_preprocessor, train_cfg, test_cfg, init_cfg: see :class:`BaseRISSegmentor`.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # a bad test_cfg fails at build time, not after an epoch of training
        resolve_frame(self.test_cfg)
        two_points = self.test_cfg.get("two_points", "corners")
        if two_points not in ("corners", "xywh"):
            raise ValueError(
                f"SeqTRSegmentor: test_cfg.two_points must be 'corners' or 'xywh', got "
                f"{two_points!r}."
            )

    def encode_text(self, samples: SampleList) -> Tensor:
        """Sentence features (B, C) from the samples' ``text_ids`` / ``text_mask``.

        Accepts text encoders returning (words, mask, sentence), (words, mask) (max-pooled
        here over valid tokens) or a (B, C) tensor.
        """
        ids, mask = stack_text(samples)
        device = next(self.head.parameters()).device
        out = self.text_encoder(ids.to(device), mask.to(device))
        if isinstance(out, Tensor):
            return out
        if len(out) == 3:
            return out[2]
        words, mask = out
        pooled = words.masked_fill(~mask[..., None].bool(), float("-inf")).amax(1)  # (B, C)
        return torch.where(mask.any(1, keepdim=True), pooled, torch.zeros_like(pooled))

    def extract_feat(self, inputs: Tensor, samples: SampleList) -> tuple[Tensor, Tensor | None]:
        """(B, 3, H, W) -> multimodal map (B, C, h, w) and language token (B, C) or None."""
        fused = self.neck(self.backbone(inputs), self.encode_text(samples))
        if isinstance(fused, tuple):
            return fused
        return fused, None

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict[str, Tensor]:
        """Teacher-forced token losses (see :meth:`SeqHead.loss`)."""
        fused, lang = self.extract_feat(inputs, data_samples)
        return self.head.loss(fused, lang, data_samples)

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        """Greedily decoded tokens (B, T)."""
        fused, lang = self.extract_feat(inputs, data_samples)
        return self.head.predict(fused, lang, data_samples)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Decode, rasterise and map predictions to the output frame (see class doc)."""
        tokens = self._forward(inputs, data_samples)
        for row, sample in zip(tokens, data_samples, strict=True):
            self._postprocess(row, sample)
        return data_samples

    def _output_frame(self, sample, frame: str) -> tuple[int, int]:
        """(H, W) of the output frame of one sample."""
        if frame == "pad":
            return self.head.coord_frame(sample)
        shape = sample.metainfo["ori_shape" if frame == "original" else "img_shape"]
        return int(shape[0]), int(shape[1])

    def _to_output(self, points: Tensor, sample, frame: str) -> Tensor:
        """Map (M, 2) x, y points from the padded input to the output frame."""
        meta = sample.metainfo
        if frame == "pad":
            return points
        if frame == "original":
            boxes = boxes_to_original(points.repeat(1, 2), meta)  # (M, 2) -> (M, 4) -> back
            return boxes[:, :2]
        x0, y0 = meta.get("img_offset", (0, 0))
        return points - points.new_tensor([x0, y0])

    def _postprocess(self, tokens: Tensor, sample) -> None:
        frame_name = resolve_frame(self.test_cfg)
        frame = self.head.coord_frame(sample)
        num_bins = self.head.num_bins
        height, width = self._output_frame(sample, frame_name)
        if self.head.task == "box":
            box = tokens_to_box(tokens, frame, num_bins).view(2, 2)
            box = self._to_output(box, sample, frame_name)
            x1, y1 = box.min(0).values.tolist()
            x2, y2 = box.max(0).values.tolist()
            corners = torch.tensor([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
            mask = points_to_mask(corners, height, width)
            sample.pred_bbox = torch.tensor([x1, y1, x2, y2])
            sample.pred_points = corners
        else:
            # contour points are pixel indices; the polygon goes through pixel centres
            offset = float(self.test_cfg.get("pixel_offset", 0.5))
            points = tokens_to_points(tokens, frame, num_bins) + offset
            points = self._to_output(points, sample, frame_name)
            mask = points_to_mask(
                points, height, width, two_points=self.test_cfg.get("two_points", "corners")
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
