# The S+S+C modules, registered on import (configs that use them inherit this file).
custom_imports = dict(
    imports=[
        "risseg.datasets.ssc",
        "risseg.labelers.zero_shot_select",
        "risseg.models.segmentors.ssc",
    ],
    allow_failed_imports=False,
)
# Metainfo of the labelling pipelines: the default keys plus all sentences of the ref.
pack_pipeline = dict(
    type="PackRISInputs",
    meta_keys=(
        "img_path", "image_id", "ref_id", "ann_id", "category_id", "texts", "ori_shape",
        "img_shape", "pad_shape", "img_offset", "scale_factor", "flip", "supervision",
    ),
)  # fmt: skip
