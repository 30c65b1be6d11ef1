"""Segment Anything (the ``segment_anything`` package) as a :class:`MaskGenerator`."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import torch
from segment_anything import SamAutomaticMaskGenerator, SamPredictor, sam_model_registry
from segment_anything.modeling import (
    ImageEncoderViT,
    MaskDecoder,
    PromptEncoder,
    Sam,
    TwoWayTransformer,
)
from torch import Tensor, nn

from risseg.foundation.mask_generator import MaskGenerator, PromptBatch, check_image
from risseg.foundation.weights import load_torch_weights
from risseg.registry import FOUNDATION_MODELS

SAM_HOW = (
    "Download the official checkpoint (sam_vit_h_4b8939.pth, sam_vit_l_0b3195.pth or "
    "sam_vit_b_01ec64.pth) from the 'Model Checkpoints' section of the segment-anything README "
    "(github.com/facebookresearch/segment-anything)"
)

# Keys of an architecture file (``model_config``): the hyper-parameters of segment-anything's
# ``_build_sam`` that its three ViT variants fix, plus the decoder sizes they leave at defaults.
SAM_ARCH_KEYS = (
    "img_size",
    "patch_size",
    "encoder_embed_dim",
    "encoder_depth",
    "encoder_num_heads",
    "encoder_global_attn_indexes",
    "window_size",
    "prompt_embed_dim",
    "mask_in_chans",
    "decoder_depth",
    "decoder_mlp_dim",
    "decoder_num_heads",
    "iou_head_depth",
    "iou_head_hidden_dim",
)


def build_sam_from_arch(arch: dict) -> Sam:
    """A randomly initialised segment-anything ``Sam`` of a custom size.

    The modules are segment-anything's own, assembled as its ``_build_sam`` assembles ViT-B/L/H
    (relative positions, LayerNorm eps 1e-6, MLP ratio 4, 3 multimask outputs), with every size
    taken from ``arch``.

    Args:
        arch: a dict with exactly the keys of :data:`SAM_ARCH_KEYS` (the JSON of an
            architecture file).

    Returns:
        The model (image embedding grid ``img_size // patch_size``; low-resolution masks
        4x that grid).
    """
    missing = [k for k in SAM_ARCH_KEYS if k not in arch]
    unknown = [k for k in arch if k not in SAM_ARCH_KEYS]
    if missing or unknown:
        raise KeyError(f"SAM architecture: missing keys {missing}, unknown keys {unknown}")
    img, grid = arch["img_size"], arch["img_size"] // arch["patch_size"]
    dim = arch["prompt_embed_dim"]
    encoder = ImageEncoderViT(
        img_size=img,
        patch_size=arch["patch_size"],
        embed_dim=arch["encoder_embed_dim"],
        depth=arch["encoder_depth"],
        num_heads=arch["encoder_num_heads"],
        mlp_ratio=4.0,
        out_chans=dim,
        norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
        qkv_bias=True,
        use_rel_pos=True,
        window_size=arch["window_size"],
        global_attn_indexes=tuple(arch["encoder_global_attn_indexes"]),
    )
    prompt_encoder = PromptEncoder(
        embed_dim=dim,
        image_embedding_size=(grid, grid),
        input_image_size=(img, img),
        mask_in_chans=arch["mask_in_chans"],
    )
    transformer = TwoWayTransformer(
        depth=arch["decoder_depth"],
        embedding_dim=dim,
        mlp_dim=arch["decoder_mlp_dim"],
        num_heads=arch["decoder_num_heads"],
    )
    decoder = MaskDecoder(
        num_multimask_outputs=3,
        transformer=transformer,
        transformer_dim=dim,
        iou_head_depth=arch["iou_head_depth"],
        iou_head_hidden_dim=arch["iou_head_hidden_dim"],
    )
    return Sam(image_encoder=encoder, prompt_encoder=prompt_encoder, mask_decoder=decoder)


def load_sam_arch(path: str) -> dict:
    """The architecture dict of a JSON file (see :func:`build_sam_from_arch`)."""
    try:
        with open(path, encoding="utf-8") as f:
            arch = json.load(f)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"SAM architecture file {path!r} does not exist.") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"SAM architecture file {path!r} is not valid JSON ({err}).") from err
    if not isinstance(arch, dict):
        raise ValueError(f"SAM architecture file {path!r} must hold a JSON object.")
    return arch


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
        model_type: ``'vit_h'``, ``'vit_l'`` or ``'vit_b'`` (a key of ``sam_model_registry``);
            ignored when ``model_config`` is given.
        amg_cfg: keyword arguments of ``SamAutomaticMaskGenerator``.
        model_config: local path of a JSON architecture file (keys of :data:`SAM_ARCH_KEYS`)
            for a custom-size SAM of segment-anything's modules, e.g. the SynthRef stand-in
            (``work_dirs/standins/sam/sam_config.json``); ``checkpoint`` then holds its weights.
    """

    def __init__(
        self,
        sam: nn.Module | None = None,
        checkpoint: str | None = None,
        model_type: str = "vit_h",
        amg_cfg: dict | None = None,
        model_config: str | None = None,
    ) -> None:
        super().__init__()
        if sam is None and model_config is not None:
            if checkpoint is None:
                raise ValueError("SegmentAnythingGenerator: `model_config` needs a `checkpoint`.")
            sam = build_sam_from_arch(load_sam_arch(model_config))
            sam.load_state_dict(load_torch_weights(checkpoint, f"SAM {model_config}", SAM_HOW))
        elif sam is None:
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
