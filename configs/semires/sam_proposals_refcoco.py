# SemiRES step 2: SAM ViT-H automatic masks (default generator settings: 32 points per side,
# predicted IoU 0.88, stability 0.95, box NMS 0.7) for the unlabeled RefCOCO train images,
# one COCO-RLE JSON per image at the original resolution.
#   torchrun --nproc_per_node 4 tools/generate_pseudo_labels.py \
#       configs/semires/sam_proposals_refcoco.py --out data/refcoco/sam_proposals
_base_ = ["../_base_/default_runtime.py"]
data_root = "data/"
pseudo_label_dataset = dict(
    type="ReferDataset",
    data_root=data_root,
    dataset="refcoco",
    split_by="unc",
    split="train",
    img_prefix="images/mscoco/images/train2014",
    supervision_file="semi_1pct.json",
    keep_supervision=["none"],
    pipeline=[dict(type="LoadImage"), dict(type="PackRISInputs")],
)
pseudo_labeler = dict(
    type="MaskProposalLabeler",
    mask_generator=dict(
        type="SegmentAnythingGenerator",  # any FOUNDATION_MODELS mask generator fits
        checkpoint="data/pretrained/sam_vit_h_4b8939.pth",
        model_type="vit_h",
        amg_cfg=dict(),  # SamAutomaticMaskGenerator defaults, as the SemiRES release
    ),
)
