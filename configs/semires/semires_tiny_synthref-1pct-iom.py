# SemiRES step 3 on SynthRef, 1% labels, IOM refinement (best single proposal with IoU > 0.5; the
# release's main setting): student + EMA teacher of the toy LAVT, both from the burn-in checkpoint
# (configs/semires/lavt_tiny_synthref-1pct-burnin.py); proposals from
# configs/semires/synth_proposals_synthref.py (the SynthRef stand-in for SAM).
_base_ = ["../lavt/lavt_tiny_synthref.py", "../_base_/datasets/synthref_semi-1pct.py"]
burn_in_checkpoint = None  # e.g. --cfg-options model.burn_in_checkpoint=work_dirs/.../best.pth
model = dict(
    _delete_=True,  # the model becomes a teacher-student wrapper around the LAVT config
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    pseudo_labeler=dict(type="SAMRefineLabeler", strategy="iom"),
    sup_weight=10.0,  # train_semi_IOM.py multiplies L_sup by 10
    unsup_weight=1.0,  # lambda
    dice_loss=dict(type="DiceLoss"),  # as the toy LAVT (not in the release)
    burn_in_checkpoint=burn_in_checkpoint,
    data_preprocessor={{_base_.model.data_preprocessor}},
    test_cfg=dict(eval_model="teacher"),
)
# 4 epochs x 150 = 600 iterations, validated at the end: the release's keep rate 0.9996 would
# keep the teacher close to the burn-in (0.9996 ** 600 = 0.79 of its weight); 0.98 gives it an
# effective horizon of 50 steps.
max_epochs = 4
train_dataloader = {{_base_.semi_train_dataloader}}
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type="PolyLR",
        power=0.9,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True,
    ),
]
default_hooks = dict(checkpoint=dict(interval=max_epochs))
custom_hooks = [dict(type="EMATeacherHook", keep_rate=0.98)]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
