# LAVT at toy scale on SynthRef (128 px): the same classes as LAVT (timm Swin stages + PWAM +
# language gate, BERT, SimpleDecoding, CE 0.9/1.1, LAVT parameter groups, per-iteration poly)
# with a 4-stage Swin of width 16 and a 2-layer BERT of width 32 over SynthRef's word
# vocabulary, all randomly initialised; CE + Dice. Two epochs (6697 refs / 16 = 419 iterations
# each) take about 15 minutes on 2 busy CPU cores.
# Figures: docs/benchmarks.md (benchmarks/semires_label_efficiency.py).
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/schedules/schedule_synthref_20e.py",
    "../_base_/default_runtime.py",
]
model = dict(
    type="LAVTSegmentor",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(
        type="SwinPWAM",
        embed_dim=16,
        depths=(1, 1, 1, 1),
        num_heads=(1, 2, 2, 4),
        window_size=4,  # stage sides at 128 px: 32, 16, 8, 4
        drop_path_rate=0.0,
        text_dim=32,
    ),
    text_encoder=dict(
        type="BertTextEncoder",
        config=dict(
            vocab_size=64,  # >= SynthRef's 51 words + PAD/UNK/CLS
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=32,
        ),
    ),
    head=dict(
        type="LAVTDecoderHead",
        in_channels=(16, 32, 64, 128),
        hidden_dim=32,
        loss=dict(type="WeightedCrossEntropyLoss", class_weight=(0.9, 1.1), normalize="weight"),
        # + Dice (LAVT README): without it the toy model sits on the all-background plateau
        # (SynthRef targets cover ~5% of the image) for the whole short schedule.
        loss_dice=dict(type="DiceLoss"),
    ),
)
# No flip: LAVT trains without augmentation (and SemiRES keeps geometry for SAM masks).
tokenizer = dict(type="WordVocabTokenizer", vocab="data/synthref/vocab.json")
max_length = 16
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(batch_size=16, num_workers=1, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=1)
test_dataloader = dict(batch_size=32, num_workers=1)
# LAVT's groups; a random tiny BERT must also train its embeddings and all its layers.
optim_wrapper = dict(
    optimizer=dict(type="AdamW", lr=1e-3, weight_decay=1e-2),
    constructor="LAVTOptimWrapperConstructor",
    paramwise_cfg=dict(bert_layers=2, bert_embeddings=True),
)
max_epochs = 2
param_scheduler = [  # LAVT: lr * (1 - t / T) ** 0.9 per iteration, T = all iterations
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
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=max_epochs, save_best="mIoU")
)
log_processor = dict(window_size=20)
