# The previous README main job, kept as a named variant (docs/benchmarks.md, "The README main
# job"): SeqTR on SynthRef trained on the mask sequence alone, from scratch, 5 epochs: about
# 16 mIoU on val, most masks on the wrong object. configs/seqtr/segm_synthref.py (the main job
# now) adds a box sequence to the same run and trains 10 epochs.
# SynthRef default preset: 128 x 128 images, 6697 train refs, sized for a CPU: DarkNet-53 at
# 1/8 width with one block per stage, a 2 + 2 layer, 128-wide transformer, randomly
# initialised words (no GloVe), 5 epochs (~1050 iterations of 32). Trained from scratch, so it
# turns on risseg's from-scratch aids (coordinate channels, dense auxiliary loss with a
# dense-guided start token, Gaussian coordinate targets; docs/methods/seqtr.md, "Training from
# scratch"), which the RefCOCO configs leave off.
#   python tools/train.py configs/seqtr/segm_synthref-maskonly.py --cfg-options ema=True
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/models/seqtr_darknet53_gru.py",
    "../_base_/schedules/seqtr_90e.py",
    "../_base_/default_runtime.py",
]
num_points = 18  # as RefCOCO: 2 * 18 + 1 = 37 tokens
image_size = 128
max_length = 16  # longest SynthRef expression: 14 words
data_root = "data/synthref"
tokenizer = dict(type="WordVocabTokenizer", vocab=data_root + "/vocab.json")

model = dict(
    backbone=dict(
        widen_factor=0.125,  # 4 ... 128 channels
        num_blocks=(1, 1, 1, 1, 1),
        # strides 4 / 8 / 16 (16 / 32 / 64 channels): on 128 px images the fused map is then
        # 8 x 8 instead of SeqTR's 4 x 4 at stride 32, fine enough to place points
        out_indices=(4, 6, 8),
        freeze_layer=None,  # no pretrained weights: train everything
        pretrained=None,
    ),
    text_encoder=dict(vocab_size=64, embed_dim=64, hidden=128, word_vectors=None),  # 256-d
    neck=dict(in_channels=(16, 32, 64), text_channels=256, out_channels=256, coord_channels=True),
    head=dict(
        in_channels=256,
        num_points=num_points,
        d_model=128,
        num_heads=4,
        ffn_dim=256,
        num_encoder_layers=2,
        num_decoder_layers=2,
        # one bin per pixel of the 128 px input (SeqTR: 1000 bins for 640 px). With 1000 bins
        # the 3-epoch model never left the data prior (same first point for every input).
        num_bins=128,
        dropout=0.0,  # short schedule; CPU dropout also costs ~20 % of the step time
        dense_loss_weight=1.0,
        dense_guided_start=True,
        loss=dict(neighbour_sigma=1.5, num_ordinal=128),
    ),
)
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    # milder than SeqTR's 0.3-1.4: SynthRef objects are already small at 128 px
    dict(type="LargeScaleJitter", out_max_size=image_size, min_scale=0.8, max_scale=1.2),
    dict(type="SampleContourPoints", num_points=num_points),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs", extra_data_keys=("gt_points",)),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(image_size, image_size), keep_ratio=True),
    dict(type="Pad", size_divisor=32),
    dict(type="LoadReferAnnotations"),  # after the geometry: GT at the original resolution
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=max_length),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(
    batch_size=32, num_workers=1, dataset=dict(data_root=data_root, pipeline=train_pipeline)
)
val_dataloader = dict(
    batch_size=64, num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline)
)
test_dataloader = dict(
    batch_size=64, num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline)
)
# mIoU / oIoU at the original resolution on every sentence of every val ref
val_evaluator = dict(type="RefSegMetric")
test_evaluator = val_evaluator

max_epochs = 5
optim_wrapper = dict(optimizer=dict(lr=1e-3))  # batch 32 instead of 128; small model
# warm-up over the first epoch (per iteration), x0.1 for the last epoch
param_scheduler = [
    dict(
        type="LinearLR",
        start_factor=1 / 6,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True,
    ),
    dict(type="MultiStepLR", milestones=[4], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)  # val mIoU after every epoch
# SeqTR averages parameters and buffers with decay min(0.999, (t + 1) / (t + 10));
# `--cfg-options ema=True` adds this hook (tools/train.py) and evaluation uses the EMA model.
ema_cfg = dict(ema_type="WarmupEMA", max_decay=0.999)
randomness = dict(seed=6666)
