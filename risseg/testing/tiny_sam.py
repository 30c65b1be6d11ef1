"""Tiny randomly initialised SAM-family models of the real library classes, for tests and demos.

Each builder seeds torch, so two calls give identical weights. Nothing is downloaded.
"""

from __future__ import annotations

import string
from functools import partial

import torch
from segment_anything.modeling import (
    ImageEncoderViT,
    MaskDecoder,
    PromptEncoder,
    Sam,
    TwoWayTransformer,
)

DIM = 16  # channel width of every tiny model


def tiny_segment_anything(img_size: int = 64, dim: int = DIM, seed: int = 0) -> Sam:
    """A segment-anything ``Sam`` built from its own modules, a few thousand parameters."""
    torch.manual_seed(seed)
    grid = img_size // 16
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=img_size,
            patch_size=16,
            embed_dim=dim,
            depth=1,
            num_heads=1,
            mlp_ratio=1.0,
            out_chans=dim,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            window_size=0,
            global_attn_indexes=(),
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=dim,
            image_embedding_size=(grid, grid),
            input_image_size=(img_size, img_size),
            mask_in_chans=4,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=1, embedding_dim=dim, mlp_dim=16, num_heads=1),
            transformer_dim=dim,
            iou_head_depth=1,
            iou_head_hidden_dim=8,
        ),
    ).eval()


def _decoder_cfg(dim: int) -> dict:
    return dict(
        hidden_size=dim,
        mlp_dim=16,
        num_hidden_layers=1,
        num_attention_heads=1,
        iou_head_hidden_dim=8,
        iou_head_depth=1,
    )


def tiny_hf_sam(img_size: int = 64, dim: int = DIM, seed: int = 0):
    """transformers ``(SamModel, SamProcessor)`` at ``img_size`` (16-pixel patches)."""
    from transformers import SamConfig, SamImageProcessor, SamModel, SamProcessor

    cfg = SamConfig(
        vision_config=dict(
            hidden_size=dim,
            num_hidden_layers=1,
            num_attention_heads=1,
            mlp_dim=16,
            output_channels=dim,
            image_size=img_size,
            patch_size=16,
            global_attn_indexes=[0],
            num_pos_feats=dim // 2,
            window_size=0,
        ),
        prompt_encoder_config=dict(
            hidden_size=dim,
            image_size=img_size,
            patch_size=16,
            mask_input_channels=4,
            image_embedding_size=img_size // 16,
        ),
        mask_decoder_config=_decoder_cfg(dim),
    )
    torch.manual_seed(seed)
    size = {"height": img_size, "width": img_size}
    processor = SamProcessor(SamImageProcessor(size={"longest_edge": img_size}, pad_size=size))
    return SamModel(cfg).eval(), processor


def tiny_hf_sam2(img_size: int = 64, dim: int = DIM, seed: int = 0):
    """transformers ``(Sam2Model, Sam2Processor)``: a 4-stage Hiera of 5 blocks."""
    from transformers import Sam2Config, Sam2ImageProcessor, Sam2Model, Sam2Processor

    s = img_size // 4  # Hiera patch stride 4, then three 2x query-pooling stages
    cfg = Sam2Config(
        vision_config=dict(
            backbone_config=dict(
                model_type="sam2_hiera_det_model",
                hidden_size=8,
                num_attention_heads=1,
                image_size=[img_size, img_size],
                blocks_per_stage=[1, 1, 2, 1],
                embed_dim_per_stage=[8, 16, 32, 64],
                num_attention_heads_per_stage=[1, 1, 1, 1],
                window_size_per_stage=[4, 4, 2, 2],
                global_attention_blocks=[3],
                window_positional_embedding_background_size=[2, 2],
                mlp_ratio=1.0,
            ),
            backbone_channel_list=[64, 32, 16, 8],
            backbone_feature_sizes=[[s, s], [s // 2, s // 2], [s // 4, s // 4]],
            fpn_hidden_size=dim,
        ),
        prompt_encoder_config=dict(
            hidden_size=dim, image_size=img_size, patch_size=16, mask_input_channels=4
        ),
        mask_decoder_config=_decoder_cfg(dim),
    )
    torch.manual_seed(seed)
    processor = Sam2Processor(Sam2ImageProcessor(size={"height": img_size, "width": img_size}))
    return Sam2Model(cfg).eval(), processor


def tiny_clip_tokenizer():
    """A character-level ``CLIPTokenizer`` (64 ids: specials, a-z, a-z word ends)."""
    from transformers import CLIPTokenizer

    tokens = ["<|startoftext|>", "<|endoftext|>"]
    tokens += list(string.ascii_lowercase) + [c + "</w>" for c in string.ascii_lowercase]
    return CLIPTokenizer(vocab={t: i for i, t in enumerate(tokens)}, merges=[])


def tiny_hf_sam3(img_size: int = 56, dim: int = DIM, seed: int = 0, num_queries: int = 8):
    """transformers ``(Sam3Model, Sam3Processor)``: ViT of 14-pixel patches, 1-layer DETR."""
    from transformers import Sam3Config, Sam3ImageProcessor, Sam3Model, Sam3Processor

    tokenizer = tiny_clip_tokenizer()
    g = img_size // 14
    one = dict(num_attention_heads=1, intermediate_size=16)
    cfg = Sam3Config(
        vision_config=dict(
            backbone_config=dict(
                model_type="sam3_vit_model",
                hidden_size=dim,
                num_hidden_layers=1,
                image_size=img_size,
                patch_size=14,
                window_size=2,
                global_attn_indexes=[0],
                pretrain_image_size=28,
                **one,
            ),
            fpn_hidden_size=dim,
            backbone_feature_sizes=[[4 * g, 4 * g], [2 * g, 2 * g], [g, g]],
        ),
        text_config=dict(
            model_type="clip_text_model",
            vocab_size=len(tokenizer),
            hidden_size=dim,
            projection_dim=dim,
            num_hidden_layers=1,
            max_position_embeddings=32,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            **one,
        ),
        geometry_encoder_config=dict(hidden_size=dim, num_layers=1, roi_size=2, **one),
        detr_encoder_config=dict(hidden_size=dim, num_layers=1, **one),
        detr_decoder_config=dict(hidden_size=dim, num_layers=1, num_queries=num_queries, **one),
        mask_decoder_config=dict(hidden_size=dim, num_upsampling_stages=3, num_attention_heads=1),
    )
    torch.manual_seed(seed)
    image_processor = Sam3ImageProcessor(size={"height": img_size, "width": img_size})
    return Sam3Model(cfg).eval(), Sam3Processor(image_processor, tokenizer)
