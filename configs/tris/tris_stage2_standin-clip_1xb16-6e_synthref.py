# TRIS's stage-2 network at toy scale on SynthRef (128 px), trained on the GT masks: the fully
# supervised reference of the same network (the pseudo-mask run: *_synthref-pseudo.py). The
# SynthRef stand-in CLIP (tools/train_standins.py: a ModifiedResNet CLIP of width 16, text width
# 64, CLIP BPE) gives C1..C4 (64, 128, 256, 512 channels) and the word features; pixel-word
# attention on C2..C4 (padded words ignored: risseg's default), a half-width decoder.
# 6 epochs of 419 iterations (6697 train refs / 16).
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/schedules/schedule_synthref_20e.py",
    "../_base_/default_runtime.py",
]
clip = dict(
    model_name="synthref-clip-rn",
    model_config="work_dirs/standins/clip/open_clip_config.json",
    checkpoint="work_dirs/standins/clip/open_clip_model.safetensors",
)
model = dict(
    type="RISSegmentor",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(type="OpenCLIPResNet", **clip),
    text_encoder=dict(
        type="OpenCLIPTextEncoder", context_length=20, train_projection=False, **clip
    ),
    neck=dict(
        type="PixelWordFusionNeck",
        in_channels=(64, 128, 256, 512),
        text_dim=64,
        fuse_levels=(1, 2, 3),
    ),
    head=dict(type="DeepSupFPNHead", in_channels=(64, 128, 256, 512), channels=(32, 64, 128, 256)),
)
tokenizer = dict(type="CLIPTokenizer", mode="truncate")
max_length = 20
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
train_dataloader = dict(batch_size=16, num_workers=1, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=32, num_workers=1, dataset=dict(pipeline=test_pipeline))
# TRIS's groups at a toy-scale lr: the stand-in CLIP towers at 0.1 x, the rest at 1e-3
optim_wrapper = dict(
    optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            "backbone": dict(lr_mult=0.1),
            "text_encoder": dict(lr_mult=0.1),
            "positional_embedding": dict(lr_mult=1.0),
        }
    ),
)
max_epochs = 6
param_scheduler = [  # poly 0.9 stepped every iteration, as TRIS intends
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
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=1, save_best="mIoU"))
log_processor = dict(window_size=20)
