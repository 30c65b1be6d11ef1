# LAVT on RefCOCO (UNC): Swin-B window 12 + BERT-base, 480x480, AdamW lr 5e-5 wd 1e-2,
# per-iteration poly 0.9 over 40 epochs, 4 GPUs x batch 8 = 32 (LAVT README).
#   torchrun --nproc_per_node 4 tools/train.py configs/lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py \
#       --launcher pytorch
_base_ = [
    "../_base_/models/lavt_swin-b_bert.py",
    "../_base_/datasets/refcoco_unc.py",
    "../_base_/schedules/schedule_adamw_poly_40e.py",
    "../_base_/default_runtime.py",
]
# LAVT: resize to 480x480 without keeping the aspect ratio, no augmentation; BERT ids of the
# raw sentence, 20 tokens, sliced after encoding (an over-long sentence loses [SEP], as LAVT).
# Release protocol (docs/metrics.md): images resized with PIL bilinear (the release's
# torchvision resize of a PIL image; risseg's default backend is cv2), the GT loaded before the
# resize (PIL-nearest to 480x480), the 2-class argmax taken at 480x480 (test_cfg.rescale=False)
# and compared there. The numbers of this config and of the configs built on it (RefCOCO+,
# RefCOCOg, SemiRES) use this protocol, comparable with the papers.
tokenizer = dict(type="BertTokenizer", vocab="data/pretrained/bert-base-uncased", mode="slice")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False, backend="pillow"),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False, backend="pillow"),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# Prediction thresholded at the network resolution (480x480), against the GT resized with the
# image: the release protocol. risseg's original-resolution protocol instead: rescale=True and
# LoadReferAnnotations after Resize in test_pipeline.
model = dict(test_cfg=dict(rescale=False))
val_evaluator = dict(type="RefSegMetric")
test_evaluator = val_evaluator
# Parameter groups of LAVT's train.py: backbone (+PWAMs, gates) without decay on norms and
# relative position tables, the decoder, and BERT encoder layers 0-9 only.
optim_wrapper = dict(
    optimizer=dict(type="AdamW", lr=5e-5, weight_decay=1e-2),
    constructor="LAVTOptimWrapperConstructor",
    paramwise_cfg=dict(bert_layers=10),
)
param_scheduler = [  # lr * (1 - t / (iters_per_epoch * 40)) ** 0.9, stepped every iteration
    dict(
        type="PolyLR",
        power=0.9,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True,
    ),
]
# LAVT keeps the checkpoint with the best val oIoU.
default_hooks = dict(checkpoint=dict(save_best="oIoU", rule="greater"))
