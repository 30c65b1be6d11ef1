# Partial-RES step 3 on SynthRef, 1 % masks: retrain from the step-1 box model on the 67 GT
# masks plus the RPP-selected pseudo masks (tools/choose_pseudo.py), same model as step 2.
# 3 epochs over the kept refs (their number depends on RPP; a few thousand).
_base_ = ["./partial-res_synthref-1pct.py"]
max_epochs = 3
train_dataloader = dict(
    dataset=dict(
        supervision_file="supervision_1pct.json",
        pseudo_ann_file="../../work_dirs/partial-res_synthref-1pct/pseudo_rpp_1pct.json",
        keep_supervision=["mask"],
    )
)
# as configs/seqtr/segm_synthref.py: warm-up over the first epoch, then constant
param_scheduler = [
    dict(type="LinearLR", start_factor=1 / 6, end_factor=1.0, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=1))
