# AdamW with per-iteration poly decay (power 0.9), 40 epochs, validation every epoch.
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=1e-4, weight_decay=0.01))
param_scheduler = [
    dict(type="PolyLR", power=0.9, eta_min=0.0, by_epoch=False, begin=0, end=None),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=40, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
