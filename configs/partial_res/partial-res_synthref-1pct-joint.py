# A one-model alternative to Partial-RES steps 1-2 on SynthRef (risseg option, not in the
# paper): the Partial-RES model trained on every train ref at once, the mask sequence on the
# 1 % with masks and the box sequence (zero start token) on all of them (box_loss_weight).
_base_ = ["../seqtr/segm_synthref.py"]
model = dict(
    neck=dict(return_text_token=True),
    head=dict(
        language_token=True, task_prompt=True, cctf=True, cctf_axes="natural", point_bias=True,
        box_loss_weight=1.0,  # loss_box on every sample; loss_mask only on 'mask' samples
    ),
)
train_dataloader = dict(dataset=dict(supervision_file="supervision_1pct.json"))
