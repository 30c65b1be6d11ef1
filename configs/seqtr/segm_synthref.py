# The README main job: SeqTR on SynthRef (default preset: 128 x 128 images, 6697 train refs)
# from random weights on a CPU, about 13 minutes on 2 idle cores (docs/benchmarks.md, "The
# README main job"):
#   python tools/train.py configs/seqtr/segm_synthref.py --cfg-options ema=True
# The model and data are those of segm_synthref-maskonly.py (the previous main job: DarkNet-53
# at 1/8 width, a 2 + 2 layer, 128-wide transformer, random words, risseg's from-scratch aids).
# This recipe adds a box sequence to the same run: every sample trains both the mask sequence
# (contour points) and the box sequence (x1 y1 x2 y2) of the shared decoder, told apart by a
# task prompt and a task embedding. The 4 box tokens are mostly about *where* the referent is,
# while the 37 mask tokens are mostly about its shape given the first point, so the box loss
# teaches grounding that the mask loss alone learns slowly (mask only, 5 epochs: ~16 mIoU, most
# masks on the wrong object). 10 epochs, validation and a picture of val predictions after
# every epoch.
_base_ = ["./segm_synthref-maskonly.py"]
model = dict(
    head=dict(
        box_loss_weight=1.0,  # loss_box (x1 y1 x2 y2) on every sample, beside loss_mask
        task_prompt=True,  # separate start tokens: first targets x1 (box) vs first point
        task_embedding=True,  # the task is visible at every decoder position
        task_init_std=1.0,  # task vectors at a token row's scale (docs/methods/seqtr.md)
        min_points=3,  # decoding: no END before a polygon's three points
    ),
)
max_epochs = 10  # 2100 iterations of 32
# warm-up over the first epoch (per iteration), x0.1 for the last epoch
param_scheduler = [
    dict(
        type="LinearLR",
        start_factor=1 / 6,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True,
    ),
    dict(type="MultiStepLR", milestones=[9], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)  # val mIoU / oIoU after every epoch
# every validation (re)writes <work_dir>/val_predictions.png (8 val samples: image, sentence,
# predicted mask, GT outline, IoU) and logs its path; the run ends by logging it again
custom_hooks = [dict(type="ValPredictionGridHook", num=8, columns=4)]
env_cfg = dict(channels_last=True)  # DarkNet's convolutions ~15 % faster on the CPU
