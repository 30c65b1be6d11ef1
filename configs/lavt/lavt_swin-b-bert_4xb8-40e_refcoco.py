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
tokenizer = dict(type="BertTokenizer", vocab="data/pretrained/bert-base-uncased", mode="slice")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# The paper's protocol: prediction and GT resized to 480x480 (docs/metrics.md); remove
# resize_to for risseg's default original-resolution protocol.
val_evaluator = dict(type="RefSegMetric", resize_to=(480, 480))
test_evaluator = val_evaluator
# Parameter groups of LAVT's train.py: backbone (+PWAMs, gates) without decay on norms and
# relative position tables, the decoder, and BERT encoder layers 0-9 only.
optim_wrapper = dict(
    optimizer=dict(type="AdamW", lr=5e-5, weight_decay=1e-2),
    constructor="LAVTOptimWrapperConstructor",
    paramwise_cfg=dict(bert_layers=10),
)
param_scheduler = [  # lr * (1 - t / (iters_per_epoch * 40)) ** 0.9, stepped every iteration
    dict(type="PolyLR", power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=40,
         convert_to_iter_based=True),
]
# LAVT keeps the checkpoint with the best val oIoU.
default_hooks = dict(checkpoint=dict(save_best="oIoU", rule="greater"))
