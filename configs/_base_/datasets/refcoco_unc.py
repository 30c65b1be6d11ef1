# RefCOCO, UNC split (train / val / testA / testB); see docs/datasets.md for the layout.
# The pipeline is the generic 480x480 LAVT-style one; method configs override it.
dataset_type = "ReferDataset"
data_root = "data/"
refer_dataset = "refcoco"
split_by = "unc"
img_prefix = "images/mscoco/images/train2014"  # image root, relative to data_root
text_field = "raw"
tokenizer = dict(type="BertTokenizer", vocab="data/pretrained/bert-base-uncased")

train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False),
    dict(type="RandomFlip", prob=0.5),  # also swaps left <-> right in the text
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # GT at the original resolution, for the metric
    dict(type="Resize", scale=(480, 480), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    dataset=refer_dataset,
    split_by=split_by,
    img_prefix=img_prefix,
    text_field=text_field,
)

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=True),
    dataset=dict(**_dataset, split="train", pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    # every sentence of every ref (sentence_mode='all'), the standard protocol
    dataset=dict(**_dataset, split="val", test_mode=True, pipeline=test_pipeline),
)
# testB: --cfg-options test_dataloader.dataset.split=testB
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(**_dataset, split="testA", test_mode=True, pipeline=test_pipeline),
)
val_evaluator = dict(type="RefSegMetric")
test_evaluator = val_evaluator
