# SemiRES step 1 on SynthRef: supervised burn-in of the toy LAVT on the 1% labeled images
# (semi_1pct.json: 24 images, 65 refs), i.e. the "1%-supervised" baseline of the benchmark.
# 65 refs / 16 = 5 iterations per epoch; 60 epochs = 300 iterations.
_base_ = ["../lavt/lavt_tiny_synthref.py"]
train_dataloader = dict(
    dataset=dict(supervision_file="semi_1pct.json", keep_supervision=["mask"]),
)
max_epochs = 60
param_scheduler = [
    dict(type="PolyLR", power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
