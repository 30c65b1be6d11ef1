# SeqTR on SynthRef with masks for 5 % of the train refs only (335 refs,
# supervision_5pct.json), no boxes. The 1 % config's budget of about 300 iterations: 28 epochs
# x 11 iterations of 32, x0.1 for the last 20 % (benchmarks/seqtr_label_efficiency.py
# --ratios 5 runs this schedule).
_base_ = ["./segm_synthref-maskonly.py"]
max_epochs = 28
train_dataloader = dict(
    dataset=dict(supervision_file="supervision_5pct.json", keep_supervision=["mask"])
)
param_scheduler = [
    dict(type="LinearLR", start_factor=1 / 6, end_factor=1.0, by_epoch=True, begin=0, end=5),
    dict(type="MultiStepLR", milestones=[22], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
