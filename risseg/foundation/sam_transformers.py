"""SAM and SAM 2 from transformers (``SamModel`` / ``Sam2Model``) as :class:`MaskGenerator`\\ s.

Prompted mode is the model's forward on the processor's normalised prompts; automatic mode is
transformers' ``mask-generation`` pipeline (a point grid, predicted-IoU and stability filters,
box NMS), which serves ``SamModel`` and ``Sam2Model`` alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import transformers
from PIL import Image
from torch import Tensor, nn

from risseg.foundation.mask_generator import MaskGenerator, PromptBatch, check_image
from risseg.foundation.weights import load_hf_pretrained
from risseg.registry import FOUNDATION_MODELS

# SamAutomaticMaskGenerator's defaults (SemiRES), under the pipeline's argument names.
AMG_DEFAULTS = dict(
    points_per_crop=32, pred_iou_thresh=0.88, stability_score_thresh=0.95, crops_nms_thresh=0.7
)


class _HFSamBase(MaskGenerator):
    """Shared code of the transformers SAM-family wrappers.

    Args:
        model: a built model of ``model_cls`` (tests inject a tiny random one), or None to load
            ``path``.
        processor: its processor (``processor_cls``), or None to load ``path``.
        path: a local Hugging Face model folder holding the model and processor files.
        amg_cfg: overrides of :data:`AMG_DEFAULTS` and other ``mask-generation`` pipeline
            arguments (``points_per_batch``, ``crops_n_layers``...).
    """

    # transformers class names, imported on use: importing risseg stays fast.
    model_cls = ""
    processor_cls = ""
    what = ""
    how = ""

    def __init__(
        self,
        model: nn.Module | None = None,
        processor: Any = None,
        path: str | None = None,
        amg_cfg: dict | None = None,
    ) -> None:
        super().__init__()
        if (model is None or processor is None) and path is None:
            raise ValueError(
                f"{type(self).__name__} needs `model` and `processor`, or a "
                "local model folder `path`."
            )
        if model is None:
            model = load_hf_pretrained(
                getattr(transformers, self.model_cls), path, self.what, self.how
            )
        if processor is None:
            processor = load_hf_pretrained(
                getattr(transformers, self.processor_cls), path, self.what, self.how
            )
        self.model = model.eval()
        self.processor = processor
        self.amg_cfg = {**AMG_DEFAULTS, **(amg_cfg or {})}
        self._pipeline = None

    @torch.no_grad()
    def generate(self, image: np.ndarray | Tensor) -> tuple[Tensor, Tensor]:
        """Automatic masks: bool (N, H, W) and predicted IoU (N,), highest first."""
        image = check_image(image)
        if self._pipeline is None:
            self._pipeline = transformers.pipeline(
                "mask-generation",
                model=self.model,
                image_processor=self.processor.image_processor,
                device=self.model.device,
            )
        out = self._pipeline(Image.fromarray(image), **self.amg_cfg)
        scores = torch.as_tensor(out["scores"], dtype=torch.float32).reshape(-1).cpu()
        if len(out["masks"]) == 0:
            return torch.zeros(0, *image.shape[:2], dtype=torch.bool), scores
        masks = torch.stack([torch.as_tensor(np.asarray(m)).bool() for m in out["masks"]])
        order = torch.argsort(-scores, stable=True)
        return masks[order], scores[order]

    @torch.no_grad()
    def predict(self, image, boxes=None, points=None, point_labels=None, multimask=True):
        """Prompted masks: bool (K, M, H, W) and predicted IoU (K, M); see MaskGenerator."""
        image = check_image(image)
        prompts = PromptBatch(boxes, points, point_labels)
        m = 3 if multimask else 1
        if prompts.num == 0:
            return self.empty_prediction(0, m, image.shape[:2])
        kwargs = {}
        if prompts.boxes is not None:
            kwargs["input_boxes"] = [prompts.boxes.tolist()]
        if prompts.points is not None:
            kwargs["input_points"] = [prompts.points.tolist()]
            kwargs["input_labels"] = [prompts.point_labels.tolist()]
        inputs = self.processor(images=image, return_tensors="pt", **kwargs).to(self.model.device)
        original_sizes = inputs["original_sizes"]
        extra = {}
        if "reshaped_input_sizes" in inputs:  # SAM; SAM 2 resizes without padding
            extra["reshaped_input_sizes"] = inputs.pop("reshaped_input_sizes")
        out = self.model(**inputs, multimask_output=m > 1)
        masks = self.processor.image_processor.post_process_masks(
            out.pred_masks.cpu(), original_sizes.cpu(), **{k: v.cpu() for k, v in extra.items()}
        )
        return masks[0].bool(), out.iou_scores[0].float().cpu()


@FOUNDATION_MODELS.register_module()
class HFSamGenerator(_HFSamBase):
    """SAM (https://arxiv.org/abs/2304.02643) as transformers' ``SamModel`` + ``SamProcessor``.

    Weights: a local copy of ``facebook/sam-vit-huge`` (or ``-large`` / ``-base``). See
    :class:`_HFSamBase` for the arguments.
    """

    model_cls = "SamModel"
    processor_cls = "SamProcessor"
    what = "SAM (transformers)"
    how = "Download the model folder facebook/sam-vit-huge from the Hugging Face Hub"


@FOUNDATION_MODELS.register_module()
class HFSam2Generator(_HFSamBase):
    """SAM 2 / 2.1 (https://arxiv.org/abs/2408.00714) as transformers' ``Sam2Model`` +
    ``Sam2Processor`` (single images).

    Weights: a local copy of ``facebook/sam2.1-hiera-large`` (or ``-base-plus`` / ``-small`` /
    ``-tiny``). See :class:`_HFSamBase` for the arguments.
    """

    model_cls = "Sam2Model"
    processor_cls = "Sam2Processor"
    what = "SAM 2 (transformers)"
    how = "Download the model folder facebook/sam2.1-hiera-large from the Hugging Face Hub"
