"""Segment Anything (the ``segment_anything`` package) as a :class:`MaskGenerator`."""

from __future__ import annotations

import numpy as np
import torch
from segment_anything import SamAutomaticMaskGenerator, SamPredictor, sam_model_registry
from torch import Tensor, nn

from risseg.foundation.mask_generator import MaskGenerator, PromptBatch, check_image
from risseg.foundation.weights import load_torch_weights
from risseg.registry import FOUNDATION_MODELS

SAM_HOW = (
    "Download the official checkpoint (sam_vit_h_4b8939.pth, sam_vit_l_0b3195.pth or "
    "sam_vit_b_01ec64.pth) from the 'Model Checkpoints' section of the segment-anything README "
    "(github.com/facebookresearch/segment-anything)"
)


@FOUNDATION_MODELS.register_module()
class SegmentAnythingGenerator(MaskGenerator):
    """SAM (https://arxiv.org/abs/2304.02643) through ``SamAutomaticMaskGenerator`` and
    ``SamPredictor``.

    Automatic mode runs ``SamAutomaticMaskGenerator`` (defaults: 32 points per side, predicted
    IoU 0.88, stability 0.95, box NMS 0.7, as SemiRES; Pseudo-RIS uses
    ``pred_iou_thresh=0.5``); prompted mode runs ``SamPredictor.predict_torch`` (S+S+C's box
    prompts).

    Args:
        sam: a built ``segment_anything.modeling.Sam`` (tests inject a tiny random one), or None
            to build ``model_type`` and load ``checkpoint``.
        checkpoint: local path of the official weights (loaded with ``weights_only=True``).
        model_type: ``'vit_h'``, ``'vit_l'`` or ``'vit_b'`` (a key of ``sam_model_registry``).
        amg_cfg: keyword arguments of ``SamAutomaticMaskGenerator``.
    """

    def __init__(
        self,
        sam: nn.Module | None = None,
        checkpoint: str | None = None,
        model_type: str = "vit_h",
        amg_cfg: dict | None = None,
    ) -> None:
        super().__init__()
        if sam is None:
            if checkpoint is None:
                raise ValueError("SegmentAnythingGenerator needs `sam` or a local `checkpoint`.")
            if model_type not in sam_model_registry:
                raise KeyError(
                    f"SAM model_type {model_type!r} is not one of {sorted(sam_model_registry)}"
                )
            state = load_torch_weights(checkpoint, f"SAM {model_type}", SAM_HOW)
            sam = sam_model_registry[model_type](checkpoint=None)
            sam.load_state_dict(state)
        self.sam = sam.eval()
        self.amg = SamAutomaticMaskGenerator(self.sam, **(amg_cfg or {}))
        self.predictor = SamPredictor(self.sam)

    @torch.no_grad()
    def generate(self, image: np.ndarray | Tensor) -> tuple[Tensor, Tensor]:
        """Automatic masks: bool (N, H, W) and predicted IoU (N,), highest first."""
        image = check_image(image)
        records = sorted(self.amg.generate(image), key=lambda r: -r["predicted_iou"])
        masks = np.zeros((len(records), *image.shape[:2]), dtype=bool)
        for j, rec in enumerate(records):
            masks[j] = rec["segmentation"]
        scores = torch.tensor([float(r["predicted_iou"]) for r in records], dtype=torch.float32)
        return torch.from_numpy(masks), scores

    @torch.no_grad()
    def predict(self, image, boxes=None, points=None, point_labels=None, multimask=True):
        """Prompted masks: bool (K, M, H, W) and predicted IoU (K, M); see MaskGenerator."""
        image = check_image(image)
        prompts = PromptBatch(boxes, points, point_labels)
        m = 3 if multimask else 1
        if prompts.num == 0:
            return self.empty_prediction(0, m, image.shape[:2])
        self.predictor.set_image(image)  # RGB, as SamPredictor's default image_format
        device, hw = self.predictor.device, image.shape[:2]
        transform = self.predictor.transform
        coords = labels = box = None
        if prompts.points is not None:
            coords = transform.apply_coords_torch(prompts.points, hw).to(device)
            labels = prompts.point_labels.to(device)
        if prompts.boxes is not None:
            box = transform.apply_boxes_torch(prompts.boxes, hw).to(device)
        masks, scores, _ = self.predictor.predict_torch(coords, labels, box, multimask_output=m > 1)
        self.predictor.reset_image()
        return masks.cpu(), scores.float().cpu()
