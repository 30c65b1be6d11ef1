# CPU-minutes schedule for SynthRef: AdamW, linear warm-up over the first 100 iterations, then
# cosine to 1% of the lr over 3 epochs (3 x 419 iterations at batch 16 on the 6697 train refs);
# validation once, at the end.
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(type="AdamW", lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0),
)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(
        type="CosineAnnealingLR",
        eta_min=2e-5,
        by_epoch=True,
        begin=0,
        end=3,
        convert_to_iter_based=True,
    ),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=3, val_interval=3)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
