# SemiRES class-agnostic proposals: the automatic masks of a mask generator
# (risseg/labelers/sam_proposals.py), here SAM ViT-H through segment-anything's
# SamAutomaticMaskGenerator with its defaults, from a local checkpoint (never downloaded).
# Any FOUNDATION_MODELS mask generator fits, e.g. dict(type="HFSam2Generator", path=...).
pseudo_labeler = dict(
    type="MaskProposalLabeler",
    mask_generator=dict(
        type="SegmentAnythingGenerator",
        checkpoint="data/pretrained/sam_vit_h_4b8939.pth",
        model_type="vit_h",
        amg_cfg=dict(),
    ),
)
