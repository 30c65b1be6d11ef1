# TRIS PRMS on the RefCOCO (UNC) train refs with the stage-1 checkpoint: one pseudo mask per
# ref (response map > 0.15 of its max), written sharded and resumable:
#   python tools/generate_pseudo_labels.py configs/tris/prms_refcoco.py \
#       --out data/refcoco/pseudo/tris_prms.json \
#       --cfg-options pseudo_labeler.checkpoint=work_dirs/<stage-1 run>/best_mIoU_epoch_<N>.pth
# Images are loaded at their original size (the maps are stored at it).
_base_ = ["../_base_/labelers/prms.py"]
default_scope = "risseg"
pseudo_label_dataset = dict(
    type="ReferDataset",
    data_root="data/",
    dataset="refcoco",
    split_by="unc",
    split="train",
    img_prefix="images/mscoco/images/train2014",
    text_field="sent",
    pipeline=[
        dict(type="LoadImage"),
        dict(
            type="PackRISInputs",
            meta_keys=("img_path", "image_id", "ref_id", "texts", "ori_shape", "img_shape"),
        ),
    ],
)
