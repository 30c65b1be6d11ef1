# Partial-RES step 3 on SynthRef, 1 % masks: retrain from the step-1 box model on the 67 GT
# masks plus the RPP-selected pseudo masks (tools/choose_pseudo.py); same model and schedule as
# step 2 (partial-res_synthref-1pct.py: 100 epochs, x0.1 after 80). The number of kept refs
# depends on RPP; benchmarks/seqtr_label_efficiency.py scales the epochs to ~300 iterations.
_base_ = ["../seqtr/segm_synthref-maskonly.py"]
max_epochs = 100
load_from = "work_dirs/seqtr-det_synthref/epoch_5.pth"  # step 1 (box model)
load_cfg = dict(strict=False)  # the box model lacks this model's new head weights (logged)
model = dict(
    neck=dict(return_text_token=True),
    head=dict(
        language_token=True, task_prompt=True, cctf=True, cctf_axes="natural", point_bias=True
    ),
)
train_dataloader = dict(
    dataset=dict(
        supervision_file="supervision_1pct.json",
        # relative to data_root (where tools/choose_pseudo.py --out data/synthref/... puts
        # it, like the supervision files and proposals), or absolute
        pseudo_ann_file="pseudo_rpp_1pct.json",
        keep_supervision=["mask"],
    )
)
param_scheduler = [
    dict(type="LinearLR", start_factor=1 / 6, end_factor=1.0, by_epoch=True, begin=0, end=5),
    dict(type="MultiStepLR", milestones=[80], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
