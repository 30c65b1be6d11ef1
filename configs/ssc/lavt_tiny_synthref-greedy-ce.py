# S+S+C "Correct" step 2 on SynthRef: from the random_ce model, greedy_ce (constrained greedy
# matching) over all Segment instances of each ref.
#   python tools/train.py configs/ssc/lavt_tiny_synthref-greedy-ce.py \
#       --cfg-options load_from=<random-ce checkpoint>
_base_ = ["../lavt/lavt_tiny_synthref.py"]
pseudo_file = "work_dirs/ssc/synthref/segment.json"
model = dict(type="SSCLAVTSegmentor", train_cfg=dict(loss_mode="greedy_ce"))
tokenizer = {{_base_.tokenizer}}
train_dataloader = dict(
    sampler=dict(_delete_=True, type="ImageGroupedSampler", shuffle=True),
    dataset=dict(
        pipeline=[
            dict(type="LoadImage"),
            dict(type="SelectSentence"),
            dict(type="Resize", scale=(128, 128), keep_ratio=False),
            dict(type="TokenizeText", tokenizer=tokenizer, max_length=16),
            dict(type="PackRISInputs"),
            dict(type="LoadPseudoInstances", ann_file=pseudo_file, allow_missing=True),
        ]
    ),
)
