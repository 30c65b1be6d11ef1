# S+S+C "Segment" on RefCOCO train: every instance of each ref's most likely noun.
# Per ref: spaCy subject nouns of every sentence, projected onto the 80 COCO classes with the
# CLIP ViT-B/32 text encoder ("a photo of a " + noun), the most frequent class per ref; the
# classes of all refs of the image queried to GroundingDINO at once (box 0.35 / text 0.25;
# nothing assigned: retried as "all {class}s"), each ref keeping its class's boxes, SAM ViT-H
# on each box (best of 3). Written as {ref_id: [COCO RLE, ...]}, sharded by rank, resumable:
#   torchrun --nproc_per_node 4 tools/generate_pseudo_labels.py configs/ssc/segment_refcoco.py \
#       --out work_dirs/ssc/refcoco/segment.json
# Metainfo of the labelling pipelines: the default keys plus all sentences of the ref.
pack_pipeline = dict(
    type="PackRISInputs",
    meta_keys=(
        "img_path", "image_id", "ref_id", "ann_id", "category_id", "texts", "ori_shape",
        "img_shape", "pad_shape", "img_offset", "scale_factor", "flip", "supervision",
    ),
)  # fmt: skip
data_root = "data/"
pseudo_label_dataset = dict(
    type="ReferDataset",
    data_root=data_root,
    dataset="refcoco",
    split_by="unc",
    split="train",
    img_prefix="images/mscoco/images/train2014",
    text_field="raw",
    pipeline=[dict(type="LoadImage"), pack_pipeline],  # original resolution
)
pseudo_labeler = dict(
    type="TextPromptedMaskLabeler",
    detector=dict(type="HFGroundingDINODetector", path="data/pretrained/grounding-dino-tiny"),
    mask_generator=dict(
        type="SegmentAnythingGenerator",
        checkpoint="data/pretrained/sam_vit_h_4b8939.pth",
        model_type="vit_h",
    ),
    text_parser=dict(
        type="SpacyTextParser",
        model="en_core_web_md",
        scorer=dict(
            type="OpenCLIPScorer",
            model_name="ViT-B-32-quickgelu",
            checkpoint="data/pretrained/clip-vit-b-32/open_clip_model.safetensors",
        ),
        context="a photo of a ",
    ),
    parser_method="most_likely_noun",
    parser_input="texts",
    retry_template="all {}s",
    image_query=True,  # one detector query per image with all its refs' classes (release)
    box_threshold=0.35,
    text_threshold=0.25,
    multimask=True,
)
