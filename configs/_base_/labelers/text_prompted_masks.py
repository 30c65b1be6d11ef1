# Every instance an expression names (risseg/labelers/text_prompted_masks.py), S+S+C's
# "Segment" composition: GroundingDINO boxes for the expression's subject nouns (box 0.35 /
# text 0.25), then SAM ViT-H box prompts, the best of 3 masks per box. Weights are local
# folders / files (docs/foundation_models.md). For SAM 3 instead, replace `detector` and
# `mask_generator` by text_mask_generator=dict(type="HFSam3Generator", path="data/pretrained/sam3").
pseudo_labeler = dict(
    type="TextPromptedMaskLabeler",
    detector=dict(type="HFGroundingDINODetector", path="data/pretrained/grounding-dino-tiny"),
    mask_generator=dict(
        type="SegmentAnythingGenerator",
        checkpoint="data/pretrained/sam_vit_h_4b8939.pth",
        model_type="vit_h",
    ),
    text_parser=dict(type="SpacyTextParser"),
    parser_method="subject_nouns",
    box_threshold=0.35,
    text_threshold=0.25,
    multimask=True,
)
