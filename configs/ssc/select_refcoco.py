# S+S+C "Select" on RefCOCO train: one of each ref's Segment instances, by reverse blur with
# CLIP ViT-L/14@336px (blur sigma 50, candidates under 500 px skipped, mean over the ref's
# sentences of 100 * cos; images in RGB, the release's BGR: pseudo_labeler.channel_order=BGR).
# Writes a pseudo annotation file {ref_id: COCO RLE} (refs without a usable mask are left out):
#   torchrun --nproc_per_node 4 tools/generate_pseudo_labels.py configs/ssc/select_refcoco.py \
#       --out work_dirs/ssc/refcoco/select.json
# Other choices: --cfg-options pseudo_labeler.choice=random (or first); the GT oracle 'best'
# and the mask quality of each choice: tools/analysis/ssc_mask_quality.py.
_base_ = [
    "../_base_/datasets/refcoco_pseudo_labeling.py",
    "../_base_/labelers/zero_shot_select.py",
]
segment_file = "work_dirs/ssc/refcoco/segment.json"
pseudo_label_dataset = dict(
    pipeline=[
        dict(type="LoadImage"),
        {{_base_.pack_pipeline}},
        dict(type="LoadPseudoInstances", ann_file=segment_file),
    ]
)
