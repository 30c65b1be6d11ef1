# S+S+C "Correct" step 1 on SynthRef: the toy LAVT (configs/lavt/lavt_tiny_synthref.py, CE 0.9 /
# 1.1 + Dice) trained on the Select stage's masks with random_ce; no GT mask is loaded. The refs
# of an image are consecutive in a batch (ImageGroupedSampler), one random sentence per ref.
#   python tools/train.py configs/ssc/lavt_tiny_synthref-random-ce.py
_base_ = ["../lavt/lavt_tiny_synthref.py"]
pseudo_file = "work_dirs/ssc/synthref/select.json"
model = dict(type="SSCLAVTSegmentor", train_cfg=dict(loss_mode="random_ce"))
tokenizer = {{_base_.tokenizer}}
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=16),
    dict(type="PackRISInputs"),
    dict(type="LoadPseudoInstances", ann_file=pseudo_file, allow_missing=True),
]
train_dataloader = dict(
    sampler=dict(_delete_=True, type="ImageGroupedSampler", shuffle=True),
    dataset=dict(pipeline=train_pipeline),
)
