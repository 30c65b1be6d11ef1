# Box-prior baseline on SynthRef, 1 % masks (risseg option, not in the paper): the joint variant
# (partial-res_synthref-1pct-joint.py: same model, schedule and 8 + 24 batches), where every
# box-only ref also trains the mask sequence, on the ellipse inscribed in its GT box
# (BoxPriorMask). It measures how far a box plus a shape guess goes on SynthRef's compact
# objects, next to Partial-RES's learned points. (Written out rather than inherited from the
# joint config: configs stay within two _base_ levels.)
#   python tools/train.py configs/partial_res/partial-res_synthref-1pct-boxprior.py \
#       --cfg-options ema=True
_base_ = ["../seqtr/segm_synthref-maskonly.py"]
load_from = "work_dirs/seqtr-det_synthref/epoch_5.pth"  # step 1 (box model)
load_cfg = dict(strict=False)  # the box model lacks this model's new head weights (logged)
model = dict(
    neck=dict(return_text_token=True),
    head=dict(
        language_token=True,
        task_prompt=True,
        cctf=True,
        cctf_axes="natural",
        point_bias=True,
        box_loss_weight=1.0,
        task_embedding=True,
        task_init_std=1.0,  # as the joint config: task vectors at a token row's scale
        min_points=3,  # as the joint config: no END before 3 points
    ),
)
box_prior_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="BoxPriorMask", shape="ellipse"),  # box-only refs: ellipse mask, 'mask' supervision
    dict(type="LargeScaleJitter", out_max_size=128, min_scale=0.8, max_scale=1.2),
    dict(type="SampleContourPoints", num_points={{_base_.num_points}}),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer={{_base_.tokenizer}}, max_length=16),
    dict(type="PackRISInputs", extra_data_keys=("gt_points",)),
]
_synthref = dict(
    type="SynthRefDataset",
    data_root={{_base_.data_root}},
    preset="default",
    seed=0,
    split="train",
    supervision_file="supervision_1pct.json",
)
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type="SemiSupervisedSampler", batch_size=32, num_labeled=8, epoch_length=210),
    dataset=dict(
        type="ConcatDataset",
        datasets=[
            dict(**_synthref, keep_supervision=["mask"], pipeline={{_base_.train_pipeline}}),
            dict(**_synthref, keep_supervision=["box"], pipeline=box_prior_pipeline),
        ],
    ),
)
train_cfg = dict(val_interval=5)  # validated after the last of the 5 epochs only
