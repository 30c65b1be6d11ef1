# SemiRES on SynthRef, 1% labels, CPI refinement (union of proposal parts with ratio > 0.7).
_base_ = ["../lavt/lavt_tiny_synthref.py", "../_base_/datasets/synthref_semi-1pct.py"]
burn_in_checkpoint = None  # e.g. --cfg-options model.burn_in_checkpoint=work_dirs/.../best.pth
model = dict(
    _delete_=True,  # the model becomes a teacher-student wrapper around the LAVT config
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    refine="cpi",
    sup_weight=1.0,  # train_semi_CPI.py keeps L_sup unscaled
    unsup_weight=1.0,  # lambda
    dice_loss=dict(type="DiceLoss"),  # as the toy LAVT (not in the release)
    burn_in_checkpoint=burn_in_checkpoint,
    data_preprocessor={{_base_.model.data_preprocessor}},
    test_cfg=dict(eval_model="teacher"),
)
# 2 epochs x 300 = 600 iterations (max_epochs of the toy LAVT config): the release's keep rate
# 0.9996 would keep the teacher close to the burn-in (0.9996 ** 600 = 0.79 of its weight); 0.98
# gives it an effective horizon of 50 steps.
train_dataloader = {{_base_.semi_train_dataloader}}
custom_hooks = [dict(type="EMATeacherHook", keep_rate=0.98)]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
