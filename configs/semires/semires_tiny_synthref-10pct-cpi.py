# SemiRES on SynthRef, 10 % labels (semi_10pct.json), CPI refinement: the 1 % CPI config
# (semires_tiny_synthref-1pct-cpi.py: model, schedule, early stopping) on the 10 % split, from the
# 10 % burn-in (lavt_tiny_synthref-10pct-burnin.py):
#   python tools/train.py configs/semires/semires_tiny_synthref-10pct-cpi.py \
#       --cfg-options model.burn_in_checkpoint=work_dirs/lavt_tiny_synthref-10pct-burnin/best.pth
_base_ = ["../lavt/lavt_tiny_synthref.py", "../_base_/datasets/synthref_semi-1pct.py"]
burn_in_checkpoint = None
model = dict(
    _delete_=True,
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    pseudo_labeler=dict(type="SAMRefineLabeler", strategy="cpi"),
    sup_weight=1.0,
    unsup_weight=1.0,
    dice_loss=dict(type="DiceLoss"),
    burn_in_checkpoint=burn_in_checkpoint,
    data_preprocessor={{_base_.model.data_preprocessor}},
    test_cfg=dict(eval_model="teacher"),
)
_semi = _base_.semi_train_dataloader  # the 1 % loader with both parts on semi_10pct.json
train_dataloader = dict(
    _semi,
    dataset=dict(
        _semi.dataset,
        datasets=[
            dict(part, supervision_file="semi_10pct.json") for part in _semi.dataset.datasets
        ],
    ),
)
max_epochs = 9
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
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
default_hooks = dict(checkpoint=dict(interval=1, save_best="oIoU", rule="greater"))
custom_hooks = [
    dict(type="EMATeacherHook", keep_rate=0.98),
    dict(
        type="ResumableEarlyStoppingHook", monitor="oIoU", rule="greater", min_delta=0.0, patience=5
    ),
]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
