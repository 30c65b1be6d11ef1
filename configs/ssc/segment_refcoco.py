# S+S+C "Segment" on RefCOCO train: every instance of each ref's most likely noun.
# Per ref: spaCy subject nouns of every sentence, projected onto the 80 COCO classes with the
# CLIP ViT-B/32 text encoder ("a photo of a " + noun), the most frequent class per ref; the
# classes of all refs of the image queried to GroundingDINO at once (box 0.35 / text 0.25;
# nothing assigned: retried as "all {class}s"), each ref keeping its class's boxes, SAM ViT-H
# on each box (best of 3). Written as {ref_id: [COCO RLE, ...]}, sharded by rank, resumable:
#   torchrun --nproc_per_node 4 tools/generate_pseudo_labels.py configs/ssc/segment_refcoco.py \
#       --out work_dirs/ssc/refcoco/segment.json
_base_ = [
    "../_base_/datasets/refcoco_pseudo_labeling.py",
    "../_base_/labelers/text_prompted_masks.py",
]
pseudo_labeler = dict(
    text_parser=dict(
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
)
