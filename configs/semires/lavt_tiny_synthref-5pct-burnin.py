# SemiRES step 1 on SynthRef, 5 % labels: the supervised burn-in of the toy LAVT on
# semi_5pct.json (120 images, 332 refs), as lavt_tiny_synthref-1pct-burnin.py with about its
# 300 iterations: 14 epochs x 21 iterations of 16, validated every 2 epoch(s); the best val
# mIoU checkpoint becomes the teacher and student of semires_tiny_synthref-5pct-cpi.py.
_base_ = ["../lavt/lavt_tiny_synthref.py"]
train_dataloader = dict(
    dataset=dict(supervision_file="semi_5pct.json", keep_supervision=["mask"]),
)
max_epochs = 14
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
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=1))
