# RefCOCO train (UNC split) as a labeller reads it (tools/generate_pseudo_labels.py): images at
# their original resolution, every sentence of a ref in its metainfo (`texts`).
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
