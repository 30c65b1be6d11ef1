# S+S+C "Segment" with SAM 3 instead of GroundingDINO + SAM: every instance of each ref's
# most likely noun from the text-prompted SAM 3 (its own score threshold).
#   python tools/generate_pseudo_labels.py configs/ssc/segment_sam3_refcoco.py \
#       --out work_dirs/ssc/refcoco/segment_sam3.json
_base_ = ["./segment_refcoco.py"]
pseudo_labeler = dict(
    _delete_=True,
    type="TextPromptedMaskLabeler",
    text_mask_generator=dict(type="HFSam3Generator", path="data/pretrained/sam3"),
    text_parser={{_base_.pseudo_labeler.text_parser}},
    parser_method="most_likely_noun",
    parser_input="texts",
)
