# TRIS stage 1 at toy scale on SynthRef from the expressions alone: the SynthRef stand-in CLIP
# (tools/train_standins.py: a ModifiedResNet CLIP of width 16, C4 = 512 channels at stride 32;
# text width 64, sentence feature 64-d) as both towers and as the frozen scorer of L_fg / L_neg
# (64 px input). The 128 px images are up-sampled to 256 px: C4 becomes an 8 x 8 grid (4 x 4 at
# 128 px) and a SynthRef object (~3 % of the image) reaches roughly the scale of the 64 px
# crops the stand-in was trained on (docs/methods/tris.md, "SynthRef"). The mask is the
# max-normalised map > 0.5 (chosen on val; 0 = every positive response, as released).
# risseg's fixes: learnable temperature, the foreground re-normalised for the scorer, L_neg
# clamped, CLIP BPE truncated with EOT kept. 3 epochs of 419 iterations (6697 train refs / 16).
#   python tools/train.py configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/schedules/schedule_synthref_3e.py",
    "../_base_/default_runtime.py",
]
clip = dict(
    model_name="synthref-clip-rn",
    model_config="work_dirs/standins/clip/open_clip_config.json",
    checkpoint="work_dirs/standins/clip/open_clip_model.safetensors",
)
model = dict(
    type="TRISLocalizer",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(type="OpenCLIPResNet", **clip),
    text_encoder=dict(type="OpenCLIPTextEncoder", context_length=20, **clip),
    hidden_dim=256,
    fg_loss=dict(type="CLIPForegroundLoss", scorer=dict(type="OpenCLIPScorer", **clip)),
    fg_space="clip",
    loss_weights=dict(cls=5.0, fg=1.0, neg=2.0),
    test_cfg=dict(mask_thr=0.5),  # chosen on val (benchmarks/tris_synthref.py sweep)
)
tokenizer = dict(type="CLIPTokenizer", mode="truncate")
meta_keys = (
    "img_path", "image_id", "ref_id", "ann_id", "sent_id", "text", "ori_shape", "img_shape",
    "pad_shape", "scale_factor", "flip", "supervision", "neg_texts",
)  # fmt: skip
# no flip: the negatives are other refs' sentences, which a flip would not swap
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(256, 256), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs", meta_keys=meta_keys),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(256, 256), keep_ratio=False),
    dict(type="LoadReferAnnotations"),  # after Resize: GT at the original size, as predicted
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    dataset=dict(
        _delete_=True,  # the SynthRef train split wrapped to draw negative sentences
        type="NegativeTextDataset",
        num_negatives=3,
        dataset=dict(
            type="SynthRefDataset",
            data_root="data/synthref",
            preset="default",
            seed=0,
            split="train",
            pipeline=train_pipeline,
        ),
    ),
)
val_dataloader = dict(batch_size=32, num_workers=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=32, num_workers=1, dataset=dict(pipeline=test_pipeline))
val_evaluator = [dict(type="RefSegMetric"), dict(type="RefPointMetric")]
test_evaluator = val_evaluator
# TRIS's groups at a toy-scale lr: the stand-in CLIP towers at 0.1 x, the new layers at 1e-3
optim_wrapper = dict(
    optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={"backbone": dict(lr_mult=0.1), "text_encoder": dict(lr_mult=0.1)}
    ),
)
default_hooks = dict(logger=dict(interval=20))
