# SemiRES step 1 on SynthRef: supervised burn-in of the toy LAVT on the 1% labeled images
# (semi_1pct.json: 24 images, 65 refs), i.e. the "1%-supervised" baseline of the benchmark.
# 65 refs / 16 = 5 iterations per epoch; 60 epochs = 300 iterations, validated every 10 epochs:
# the best val mIoU checkpoint is kept (as LAVT keeps its best model) and becomes the teacher
# and student of SemiRES. With 65 refs the model overfits early (a 160-epoch run peaked at
# epoch 20 and lost 5 mIoU by epoch 120), so taking the last checkpoint would understate both
# the supervised baseline and SemiRES's starting point.
_base_ = ["../lavt/lavt_tiny_synthref.py"]
train_dataloader = dict(
    dataset=dict(supervision_file="semi_1pct.json", keep_supervision=["mask"]),
)
max_epochs = 60
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
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
