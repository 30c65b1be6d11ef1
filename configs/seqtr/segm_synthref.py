# The README main job: SeqTR on SynthRef (default preset: 128 x 128 images, 6697 train refs)
# from random weights on a CPU, about 13 minutes on 2 idle cores (docs/benchmarks.md, "The
# README main job"):
#   python tools/train.py configs/seqtr/segm_synthref.py --cfg-options ema=True
# The model is sized for a CPU: DarkNet-53 at 1/8 width with one block per stage, a 2 + 2
# layer, 128-wide transformer, randomly initialised words (no GloVe), and risseg's
# from-scratch aids (coordinate channels, dense auxiliary loss with a dense-guided start token,
# Gaussian coordinate targets; docs/methods/seqtr.md), which the RefCOCO configs leave off.
# Against segm_synthref-maskonly.py (the previous main job) the recipe adds
# a box sequence to the same run: every sample trains both the mask sequence (contour points)
# and the box sequence (x1 y1 x2 y2) of the shared decoder, told apart by a task prompt and a
# task embedding. The 4 box tokens are mostly about *where* the referent is, while the 37 mask
# tokens are mostly about its shape given the first point, so the box loss teaches grounding
# that the mask loss alone learns slowly (mask only, 5 epochs: ~16 mIoU, most masks on the
# wrong object). 10 epochs, validation and a picture of val predictions after every epoch.
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
        box_loss_weight=1.0,  # loss_box (x1 y1 x2 y2) on every sample, beside loss_mask
        task_prompt=True,  # separate start tokens: first targets x1 (box) vs first point
        task_embedding=True,  # the task is visible at every decoder position
        task_init_std=1.0,  # task vectors at a token row's scale (docs/methods/seqtr.md)
        min_points=3,  # decoding: no END before a polygon's three points
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

max_epochs = 10  # 2100 iterations of 32
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
    dict(type="MultiStepLR", milestones=[9], gamma=0.1, by_epoch=True, begin=0, end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)  # val mIoU / oIoU after every epoch
# every validation (re)writes <work_dir>/val_predictions.png (8 val samples: image, sentence,
# predicted mask, GT outline, IoU) and logs its path; the run ends by logging it again
custom_hooks = [dict(type="ValPredictionGridHook", num=8, columns=4)]
env_cfg = dict(channels_last=True)  # DarkNet's convolutions ~15 % faster on the CPU
# SeqTR averages parameters and buffers with decay min(0.999, (t + 1) / (t + 10));
# `--cfg-options ema=True` adds this hook (tools/train.py) and evaluation uses the EMA model.
ema_cfg = dict(ema_type="WarmupEMA", max_decay=0.999)
randomness = dict(seed=6666)
