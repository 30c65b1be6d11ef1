# LAVT at toy scale on SynthRef (128 px): the same classes as LAVT (timm Swin stages + PWAM +
# language gate, BERT, SimpleDecoding) with a 4-stage Swin of width 32 and a 2-layer BERT of
# width 64 over SynthRef's word vocabulary, randomly initialised. Trains on 2 CPU cores in
# minutes. Benchmark: benchmarks/semires_label_efficiency.py.
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/schedules/schedule_synthref_20e.py",
    "../_base_/default_runtime.py",
]
vocab_size = 64  # >= SynthRef's 51 words + PAD/UNK/CLS
model = dict(
    type="LAVTSegmentor",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(
        type="SwinPWAM",
        embed_dim=32,
        depths=(1, 1, 2, 1),
        num_heads=(1, 2, 4, 8),
        window_size=4,  # stage sides at 128 px: 32, 16, 8, 4
        drop_path_rate=0.1,
        text_dim=64,
    ),
    text_encoder=dict(
        type="BertTextEncoder",
        config=dict(
            vocab_size=vocab_size,
            hidden_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=128,
            max_position_embeddings=32,
        ),
    ),
    head=dict(
        type="LAVTDecoderHead",
        in_channels=(32, 64, 128, 256),
        hidden_dim=64,
        loss=dict(type="WeightedCrossEntropyLoss", class_weight=(0.9, 1.1), normalize="weight"),
    ),
)
# No flip: LAVT trains without augmentation (and SemiRES keeps geometry for SAM masks).
tokenizer = dict(type="WordVocabTokenizer", vocab="data/synthref/vocab.json")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=16),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(batch_size=16, num_workers=1, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=1)
test_dataloader = dict(batch_size=32, num_workers=1)
# LAVT's groups; a random tiny BERT must also train its embeddings and all its layers.
optim_wrapper = dict(
    constructor="LAVTOptimWrapperConstructor",
    paramwise_cfg=dict(bert_layers=2, bert_embeddings=True),
)
train_cfg = dict(max_epochs=4, val_interval=4)
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type="CosineAnnealingLR", eta_min=1e-5, by_epoch=True, begin=1, end=4, convert_to_iter_based=True),
]
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(save_best="mIoU"))
