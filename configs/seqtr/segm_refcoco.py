# SeqTR segmentation on RefCOCO (UNC): N = 18 contour points (37 tokens), 15 words,
# 640 px keep-ratio inputs padded to a multiple of 32, 90 epochs, batch 128.
# Reported (SeqTR README, mIoU): val 67.26 / testA 69.79 / testB 64.12.
# Train: python tools/train.py configs/seqtr/segm_refcoco.py --cfg-options ema=True
# Release behaviour (docs/methods/seqtr.md, "Release switches"): unpacked GRU, zero-area contours
# as empty targets, the release's label-smoothing target. Official weights:
# tools/convert/seqtr_checkpoint.py.
# Protocol: SeqTR release (configs/_base_/protocols/seqtr_release.py, docs/metrics.md): mIoU in
# the padded 640 frame with pycocotools crowd IoU, comparable with the numbers above (risseg's
# default protocol, at the original resolution: docs/metrics.md, "Protocols").
_base_ = [
    "../_base_/datasets/refcoco_unc.py",
    "../_base_/models/seqtr_darknet53_gru.py",
    "../_base_/schedules/seqtr_90e.py",
    "../_base_/default_runtime.py",
    "../_base_/protocols/seqtr_release.py",
]
num_points = 18
max_length = 15
image_size = 640
# SeqTR's word vocabulary (token_to_ix) converted to JSON; PAD 0, UNK 1
tokenizer = dict(type="WordVocabTokenizer", vocab="data/refcoco/seqtr_vocab.json")
text_field = "raw"

train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="LargeScaleJitter", out_max_size=image_size, min_scale=0.3, max_scale=1.4),
    # after every geometric change; a contour without area is an all-END target, as released
    dict(type="SampleContourPoints", num_points=num_points, drop_zero_area=True),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs", extra_data_keys=("gt_points",)),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # before the geometry: GT in the padded frame (release)
    dict(
        type="Resize",
        scale=(image_size, image_size),
        keep_ratio=True,
        mask_interpolation="nearest_cv2",  # the release's GT resize (cv2 INTER_NEAREST)
    ),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs"),
]
model = dict(
    # the release runs the GRU over the zero-padded 15 / 20 ids (official weights need it)
    text_encoder=dict(vocab_size=12_000, packed=False),
    head=dict(
        num_points=num_points,
        shuffle_fraction=-1.0,
        # the release's soft target: 1 - 0.1 on the target token, 0.1 / 1001 on the others
        loss=dict(type="LabelSmoothCrossEntropyLoss", smoothing=0.1, overwrite_target=True),
    ),
    test_cfg={{_base_.seqtr_release.test_cfg}},
)
train_dataloader = dict(batch_size=128, num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=128, num_workers=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=128, num_workers=4, dataset=dict(pipeline=test_pipeline))
# the release's IoU: pycocotools crowd semantics (configs/_base_/protocols/seqtr_release.py)
val_evaluator = dict(type="RefSegMetric", iou_mode={{_base_.seqtr_release.iou_mode}})
test_evaluator = val_evaluator
# SeqTR averages parameters and buffers with decay min(0.999, (t + 1) / (t + 10));
# `--cfg-options ema=True` adds this hook (tools/train.py) and evaluation uses the EMA model.
ema_cfg = dict(ema_type="WarmupEMA", max_decay=0.999)
randomness = dict(seed=6666)
