# SemiRES step 1 on SynthRef, 10 % labels: the supervised burn-in of the toy LAVT on
# semi_10pct.json (240 images, 661 refs), as lavt_tiny_synthref-1pct-burnin.py with about its
# 300 iterations: 7 epochs x 42 iterations of 16, validated every 1 epoch(s); the best val
# mIoU checkpoint becomes the teacher and student of semires_tiny_synthref-10pct-cpi.py.
_base_ = ["../lavt/lavt_tiny_synthref.py"]
train_dataloader = dict(
    dataset=dict(supervision_file="semi_10pct.json", keep_supervision=["mask"]),
)
max_epochs = 7
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
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1))
