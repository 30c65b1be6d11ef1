# SeqTR segmentation on RefCOCOg (UMD): N = 12 points (25 tokens), shuffle 0.2, 20 words,
# splits val / test. Reported (SeqTR README, mIoU): val 55.67 / test 55.64.
# Release switches: see segm_refcoco.py. Protocol: SeqTR release
# (configs/_base_/protocols/seqtr_release.py, via segm_refcoco.py; docs/metrics.md).
_base_ = ["./segm_refcoco.py"]
num_points = 12
max_length = 20
tokenizer = dict(type="WordVocabTokenizer", vocab="data/refcocog/seqtr_vocab.json")
_dataset = dict(dataset="refcocog", split_by="umd")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="LargeScaleJitter", out_max_size=640, min_scale=0.3, max_scale=1.4),
    dict(type="SampleContourPoints", num_points=num_points, drop_zero_area=True),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs", extra_data_keys=("gt_points",)),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # before the geometry (SeqTR release protocol)
    dict(type="Resize", scale=(640, 640), keep_ratio=True, mask_interpolation="nearest_cv2"),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs"),
]
model = dict(head=dict(num_points=num_points, shuffle_fraction=0.2))
train_dataloader = dict(dataset=dict(**_dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(**_dataset, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(**_dataset, split="test", pipeline=test_pipeline))
