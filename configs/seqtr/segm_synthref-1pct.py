# SeqTR on SynthRef with masks for 1 % of the train refs only (67 refs, supervision_1pct.json),
# no boxes: the "1 % masks" baseline of the label-efficiency table. The other refs are dropped
# (keep_supervision), so the epochs are short: 100 epochs x 3 iterations of 32 = 300 iterations.
_base_ = ["./segm_synthref-maskonly.py"]
max_epochs = 100
train_dataloader = dict(
    dataset=dict(supervision_file="supervision_1pct.json", keep_supervision=["mask"])
)
param_scheduler = [
    dict(type="LinearLR", start_factor=1 / 6, end_factor=1.0, by_epoch=True, begin=0, end=5),
    # x0.1 for the last 20 epochs (milestones count from `begin`)
    dict(type="MultiStepLR", milestones=[80], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
