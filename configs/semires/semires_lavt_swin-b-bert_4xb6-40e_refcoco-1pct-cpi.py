# SemiRES on RefCOCO, 1% labels, CPI (union of SAM parts, ratio > 0.7). The release notes that
# its main table uses IOM.
_base_ = [
    "../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py",
    "../_base_/datasets/refcoco_unc_semi-1pct.py",
]
model = dict(
    _delete_=True,  # the model becomes a teacher-student wrapper around the LAVT config
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    pseudo_labeler=dict(type="SAMRefineLabeler", strategy="cpi"),
    sup_weight=1.0,  # train_semi_CPI.py keeps L_sup unscaled
    unsup_weight=1.0,  # --unsup_lambda
    burn_in_checkpoint="work_dirs/lavt_swin-b-bert_4xb2-40e_refcoco-1pct-burnin/best.pth",
    data_preprocessor={{_base_.model.data_preprocessor}},
    # release protocol (see the LAVT RefCOCO config): argmax at 480x480 vs the resized GT
    test_cfg=dict(eval_model="teacher", rescale=False),
)
train_dataloader = {{_base_.semi_train_dataloader}}
# train_semi_CPI.py validates the teacher every epoch, keeps the best val oIoU (the LAVT base
# config's save_best) and stops after 5 validations without a better oIoU (mmengine's rule,
# its state kept across --resume; RefSegMetric logs the key without prefix). min_delta 0: any
# improvement resets the patience.
custom_hooks = [
    dict(type="EMATeacherHook", keep_rate=0.9996),  # SemiRES's fixed keep rate
    dict(
        type="ResumableEarlyStoppingHook", monitor="oIoU", rule="greater", min_delta=0.0, patience=5
    ),
]
