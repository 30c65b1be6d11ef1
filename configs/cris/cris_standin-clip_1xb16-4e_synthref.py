# CRIS at toy scale on SynthRef (128 px), trained on the GT masks: the fully supervised model of
# the Pseudo-RIS table (the pseudo-pair run changes only train_dataloader, see
# docs/methods/pseudo_ris.md). The SynthRef stand-in CLIP (tools/train_standins.py: a
# ModifiedResNet CLIP of width 16, text width 64, embedding 64, CLIP BPE) gives C3 (128), C4
# (256) and the spatial attention pool as C5 (64); CRIS's neck, decoder, projector and loss at
# reduced widths. Adam, CLIP towers at 0.1 x, x 0.1 for the last epoch (CRIS's shape).
# 4 epochs of 419 iterations (6697 train refs / 16): about 11 CPU-minutes at 1 thread.
#   python tools/train.py configs/cris/cris_standin-clip_1xb16-4e_synthref.py
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/default_runtime.py",
]
clip = dict(
    model_name="synthref-clip-rn",
    model_config="work_dirs/standins/clip/open_clip_config.json",
    checkpoint="work_dirs/standins/clip/open_clip_model.safetensors",
)
word_len = 17
model = dict(
    type="CRIS",
    data_preprocessor=dict(
        type="RISDataPreprocessor",
        mean=(122.7709383, 116.7460125, 104.09373615),
        std=(68.5005327, 66.6321579, 70.32316305),
    ),
    backbone=dict(type="OpenCLIPResNet", out_indices=(1, 2, 3), spatial_attnpool=True, **clip),
    text_encoder=dict(type="OpenCLIPTextEncoder", context_length=word_len, **clip),
    neck=dict(type="CRISFPN", in_channels=(128, 256, 64), channels=(32, 64, 128), text_dim=64),
    head=dict(
        type="CRISHead",
        in_channels=64,
        text_dim=64,
        sentence_dim=64,
        num_layers=3,
        num_heads=4,
        ffn_channels=256,
        dropout=0.1,
        prob_thr=0.35,
    ),
)
tokenizer = dict(type="CLIPTokenizer", mode="truncate")
common = [  # after loading: shared by training and test
    dict(
        type="Letterbox",
        size=128,
        pad_value=(122.7709383, 116.7460125, 104.09373615),
        interpolation="bicubic",
        mask_interpolation="bilinear",
    ),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=word_len),
    dict(type="PackRISInputs"),
]
load_pipeline = [  # shared by training and test
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
]
train_pipeline = load_pipeline + common  # no flip: CRIS trains without augmentation
test_pipeline = load_pipeline + common
train_dataloader = dict(batch_size=16, num_workers=1, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=32, num_workers=1, dataset=dict(pipeline=test_pipeline))
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(type="Adam", lr=1e-3, weight_decay=0.0),
    paramwise_cfg=dict(
        custom_keys={"backbone": dict(lr_mult=0.1), "text_encoder": dict(lr_mult=0.1)}
    ),
)
max_epochs = 4
param_scheduler = [
    dict(type="MultiStepLR", milestones=[3], gamma=0.1, by_epoch=True, begin=0, end=max_epochs)
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=1, save_best="mIoU"))
log_processor = dict(window_size=20)
