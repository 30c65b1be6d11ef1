# Partial-RES step 2 on SynthRef, 1 % masks: SeqTR + language token, task prompt, CCTF and the
# point Gaussian cross-attention bias, fine-tuned from the step-1 box model on the 67 refs with
# masks (supervision_1pct.json). 100 epochs x 3 iterations of 32 = 300 iterations.
#   python tools/train.py configs/partial_res/partial-res_synthref-1pct.py --cfg-options ema=True \
#       load_from=work_dirs/seqtr-det_synthref/epoch_5.pth
_base_ = ["../seqtr/segm_synthref-maskonly.py"]
max_epochs = 100
load_from = "work_dirs/seqtr-det_synthref/epoch_5.pth"  # step 1 (box model)
load_cfg = dict(strict=False)  # the box model lacks this model's new head weights (logged)
model = dict(
    neck=dict(return_text_token=True),
    head=dict(
        language_token=True,  # tanh(text) appended to the encoder input
        task_prompt=True,  # learned start token for mask sequences
        cctf=True,  # co-content teacher forcing
        cctf_axes="natural",  # x reads a column, y a row; 'release' reproduces the original
        point_bias=True,  # SMCA-style Gaussian bias in every decoder cross-attention
    ),
)
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
