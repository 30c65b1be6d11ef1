# Partial-RES step 1 on SynthRef: the SeqTR box (REC) model, trained on the boxes of ALL train
# refs (every ref has a box). Its checkpoint initialises the mask models of steps 2 and 3.
_base_ = ["../seqtr/segm_synthref-maskonly.py"]
tokenizer = {{_base_.tokenizer}}
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="LargeScaleJitter", out_max_size=128, min_scale=0.8, max_scale=1.2),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=16),
    dict(type="PackRISInputs"),
]
model = dict(head=dict(task="box"))
train_dataloader = dict(
    dataset=dict(supervision_file="supervision_1pct.json", pipeline=train_pipeline)
)
val_evaluator = dict(type="RefBoxMetric")
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best="auto"))
train_cfg = dict(val_interval=5)  # validated after the last of the 5 epochs only
