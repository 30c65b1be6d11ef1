# TRIS stage 1 on RefCOCO (UNC) from the expressions alone (no mask, no box is read in
# training): 320x320 without keeping the aspect ratio (PIL resize), CLIP BPE sliced to 20
# tokens (as released), 3 negative sentences per ref from the other refs of its image,
# AdamW lr 5e-5 (CLIP towers x 0.1), wd 0.01, batch 48 on 1 GPU, 15 epochs, poly 0.9 stepped
# every iteration, seed 1234. Validation: mIoU / oIoU of the positive responses at the original
# image size, PointM and box hit; the best val mIoU checkpoint is kept.
#   python tools/train.py configs/tris/tris_stage1_clip-rn50_1xb48-15e_refcoco.py
_base_ = [
    "../_base_/models/tris_stage1_clip-rn50.py",
    "../_base_/datasets/refcoco_unc.py",
    "../_base_/default_runtime.py",
]
tokenizer = dict(type="CLIPTokenizer", mode="slice")
meta_keys = (
    "img_path", "image_id", "ref_id", "ann_id", "sent_id", "text", "ori_shape", "img_shape",
    "pad_shape", "scale_factor", "flip", "supervision", "neg_texts",
)  # fmt: skip
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(320, 320), keep_ratio=False, backend="pillow"),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs", meta_keys=meta_keys),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # GT at the original resolution, for the metrics
    dict(type="Resize", scale=(320, 320), keep_ratio=False, backend="pillow"),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(
    batch_size=48,
    dataset=dict(
        _delete_=True,  # the REFER train split wrapped to draw negative sentences
        type="NegativeTextDataset",
        num_negatives=3,
        dataset=dict(
            type="ReferDataset",
            data_root="data/",
            dataset="refcoco",
            split_by="unc",
            split="train",
            img_prefix="images/mscoco/images/train2014",
            text_field="sent",
            pipeline=train_pipeline,
        ),
    ),
)
val_dataloader = dict(dataset=dict(text_field="sent", pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(text_field="sent", pipeline=test_pipeline))
val_evaluator = [dict(type="RefSegMetric"), dict(type="RefPointMetric")]
test_evaluator = val_evaluator
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(type="AdamW", lr=5e-5, weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={"backbone": dict(lr_mult=0.1), "text_encoder": dict(lr_mult=0.1)}
    ),
)
max_epochs = 15
param_scheduler = [  # lr * (1 - t / (iters_per_epoch * 15)) ** 0.9, stepped every iteration
    dict(
        type="PolyLR",
        power=0.9,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True,
    ),
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
randomness = dict(seed=1234)
