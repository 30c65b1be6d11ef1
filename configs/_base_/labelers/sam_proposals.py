# SemiRES class-agnostic proposals: SAM ViT-H automatic masks (risseg/labelers/sam_proposals.py)
# with SamAutomaticMaskGenerator's defaults, from a local checkpoint (never downloaded).
pseudo_labeler = dict(
    type="SAMProposalLabeler",
    checkpoint="data/pretrained/sam_vit_h_4b8939.pth",
    model_type="vit_h",
    generator_cfg=dict(),
)
