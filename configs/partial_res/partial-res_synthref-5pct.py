# Partial-RES step 2 on SynthRef, 5 % masks (335 refs, supervision_5pct.json): the
# 1 % config (partial-res_synthref-1pct.py) on another subset, with its budget of about 300
# iterations: 28 epochs x 11 iterations of 32, x0.1 for the last 20 %
# (benchmarks/seqtr_label_efficiency.py --ratios 5 runs this schedule).
#   python tools/train.py configs/partial_res/partial-res_synthref-5pct.py --cfg-options ema=True
_base_ = ["../seqtr/segm_synthref-maskonly.py"]
max_epochs = 28
load_from = "work_dirs/seqtr-det_synthref/epoch_5.pth"  # step 1 (box model)
load_cfg = dict(strict=False)  # the box model lacks this model's new head weights (logged)
model = dict(
    neck=dict(return_text_token=True),
    head=dict(
        language_token=True, task_prompt=True, cctf=True, cctf_axes="natural", point_bias=True
    ),
)
train_dataloader = dict(
    dataset=dict(supervision_file="supervision_5pct.json", keep_supervision=["mask"])
)
param_scheduler = [
    dict(type="LinearLR", start_factor=1 / 6, end_factor=1.0, by_epoch=True, begin=0, end=5),
    dict(type="MultiStepLR", milestones=[22], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
