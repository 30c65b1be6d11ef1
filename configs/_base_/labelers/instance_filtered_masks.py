# Pseudo-RIS masks (risseg/labelers/instance_filtered_masks.py): the automatic masks of a mask
# generator, each class-agnostic instance of an instance model matched to the automatic mask it
# overlaps most (raw pixel intersection). The paper filters SAM ViT-H with CutLER; CutLER is not
# a risseg part, so the instance model here is a grounded detector asked for generic objects.
# Weights load from local paths only (docs/foundation_models.md).
pseudo_labeler = dict(
    type="InstanceFilteredMaskLabeler",
    mask_generator=dict(
        type="SegmentAnythingGenerator",
        checkpoint="data/pretrained/sam_vit_h_4b8939.pth",
        model_type="vit_h",
        amg_cfg=dict(pred_iou_thresh=0.5),
    ),
    instance_model=dict(type="HFGroundingDINODetector", path="weights/grounding-dino-tiny"),
    phrases=["object"],
    score_thr=0.5,  # CutLER's test threshold
)
