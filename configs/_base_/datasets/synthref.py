# SynthRef (docs/datasets.md): generated into data_root on first use (preset 'default': 3000
# images of 128x128 px). Words come from the generated vocab.json, so no weights are needed.
dataset_type = "SynthRefDataset"
data_root = "data/synthref"
preset = "default"
seed = 0
tokenizer = dict(type="WordVocabTokenizer", vocab=data_root + "/vocab.json")
max_length = 16  # longest SynthRef expression (default preset, seed 0): 14 tokens

train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="RandomFlip", prob=0.5),  # also swaps left <-> right in the text
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs"),
]
_dataset = dict(type=dataset_type, data_root=data_root, preset=preset, seed=seed)

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    # label-efficient settings: supervision_file="supervision_10pct.json" (masks for 10% of
    # the train refs, boxes for the rest) or "semi_10pct.json" with keep_supervision=["mask"]
    dataset=dict(**_dataset, split="train", pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(**_dataset, split="val", test_mode=True, pipeline=test_pipeline),
)
# testA: curved targets (circle, ring, ellipse); testB: straight-edged; test: both
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(**_dataset, split="test", test_mode=True, pipeline=test_pipeline),
)
val_evaluator = dict(type="RefSegMetric")
test_evaluator = val_evaluator
