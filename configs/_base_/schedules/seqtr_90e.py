# SeqTR schedule: Adam (amsgrad) lr 5e-4, gradient-norm clipping 0.15, learning-rate warm-up
# over 5 epochs, x0.1 from epoch 75, 90 epochs, batch 128 on one GPU.
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(
        type="Adam", lr=5e-4, betas=(0.9, 0.98), eps=1e-9, weight_decay=0.0, amsgrad=True
    ),
    clip_grad=dict(max_norm=0.15),
)
param_scheduler = [
    # stepped per epoch: factor (e + 1) / 6 for e = 0..4 and 1 from epoch 5 (mmengine's LinearLR
    # reaches end_factor at its last step, end - 1 = 5)
    dict(type="LinearLR", start_factor=1 / 6, end_factor=1.0, by_epoch=True, begin=0, end=6),
    # milestones count from `begin`, so begin=0 makes 75 the global epoch
    dict(type="MultiStepLR", milestones=[75], gamma=0.1, by_epoch=True, begin=0, end=90),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=90, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
auto_scale_lr = dict(enable=False, base_batch_size=128)
