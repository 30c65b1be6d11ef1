# SemiRES on RefCOCO, 1% labels, IOM (train_semi_IOM.py, the paper's main table): student + EMA
# teacher of LAVT (Swin-B + BERT), both from the burn-in checkpoint, 4 GPUs x (3 + 3) samples.
_base_ = [
    "../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py",
    "../_base_/datasets/refcoco_unc_semi-1pct.py",
]
model = dict(
    _delete_=True,  # the model becomes a teacher-student wrapper around the LAVT config
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    pseudo_labeler=dict(type="SAMRefineLabeler", strategy="iom"),
    sup_weight=10.0,  # train_semi_IOM.py multiplies L_sup by 10
    unsup_weight=1.0,  # --unsup_lambda
    burn_in_checkpoint="work_dirs/lavt_swin-b-bert_4xb2-40e_refcoco-1pct-burnin/best.pth",
    data_preprocessor={{_base_.model.data_preprocessor}},
    # release protocol (see the LAVT RefCOCO config): argmax at 480x480 vs the resized GT
    test_cfg=dict(eval_model="teacher", rescale=False),
)
train_dataloader = {{_base_.semi_train_dataloader}}
custom_hooks = [dict(type="EMATeacherHook", keep_rate=0.9996)]  # SemiRES's fixed keep rate
