# TRIS PRMS on the SynthRef train refs with the stand-in CLIP stage-1 localiser
# (configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py) and the stand-in CLIP as scorer;
# risseg's fixes (EOT kept, foreground in the scorer's normalisation); 256 px input and the
# pseudo mask at map > 0.5, as stage 1 (docs/methods/tris.md, "SynthRef").
#   python tools/generate_pseudo_labels.py configs/tris/prms_standin-clip_synthref.py \
#       --out work_dirs/tris/prms_synthref.json \
#       --cfg-options pseudo_labeler.checkpoint=work_dirs/<stage-1 run>/best_mIoU_epoch_<N>.pth
_base_ = ["../_base_/labelers/prms.py"]
default_scope = "risseg"
clip = dict(
    model_name="synthref-clip-rn",
    model_config="work_dirs/standins/clip/open_clip_config.json",
    checkpoint="work_dirs/standins/clip/open_clip_model.safetensors",
)
pseudo_labeler = dict(
    localizer="configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py",
    checkpoint="work_dirs/tris_stage1_standin-clip_1xb16-3e_synthref/stage1.pth",
    scorer=dict(_delete_=True, type="OpenCLIPScorer", **clip),
    tokenizer=dict(mode="truncate"),
    input_size=(256, 256),  # as stage 1
    mask_thr=0.5,  # the stage-1 mask threshold chosen on val
    fg_space="clip",
)
pseudo_label_dataset = dict(
    type="SynthRefDataset",
    data_root="data/synthref",
    preset="default",
    seed=0,
    split="train",
    pipeline=[
        dict(type="LoadImage"),
        dict(type="LoadReferAnnotations"),
        dict(
            type="PackRISInputs",
            meta_keys=("img_path", "image_id", "ref_id", "texts", "ori_shape", "img_shape"),
        ),
    ],
)
