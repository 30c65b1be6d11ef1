# SeqTR detection (REC) on refcocog (umd): the box as 4 tokens (x1, y1, x2, y2), no END,
# Acc@0.5 with RefBoxMetric. Its checkpoint initialises segmentation and Partial-RES training.
# Unpacked GRU and the release label smoothing come from segm_refcoco.py.
_base_ = ["./segm_refcoco.py"]
tokenizer = dict(type="WordVocabTokenizer", vocab="data/refcocog/seqtr_vocab.json")
_dataset = dict(dataset="refcocog", split_by="umd")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="LargeScaleJitter", out_max_size=640, min_scale=0.3, max_scale=1.4),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(640, 640), keep_ratio=True),
    dict(type="Pad", size_divisor=32),
    dict(type="LoadReferAnnotations"),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
# boxes at the original resolution, against the GT box loaded after the geometry (the mask
# protocol inherited from segm_refcoco.py does not apply to boxes)
model = dict(
    head=dict(task="box", shuffle_fraction=-1.0),
    test_cfg=dict(frame="original", rescale=True),
)
train_dataloader = dict(dataset=dict(**_dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(**_dataset, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(**_dataset, split="test", pipeline=test_pipeline))
val_evaluator = dict(type="RefBoxMetric")
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best="auto"))
