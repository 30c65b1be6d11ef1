# CRIS on RefCOCO (UNC) with its release's recipe: 416 px letterbox (CLIP-mean border, bicubic
# image, bilinear mask), one random sentence per ref and epoch, 17 CLIP BPE tokens (EOT kept),
# Adam lr 1e-4 (CLIP towers x 0.1), no weight decay, x 0.1 at epoch 35 of 50, 8 GPUs x 8 = 64,
# mixed precision, SyncBN. Pseudo-RIS trains this model on its pseudo pairs
# (docs/methods/pseudo_ris.md).
#   torchrun --nproc_per_node 8 tools/train.py configs/cris/cris_clip-rn50_8xb8-50e_refcoco.py \
#       --launcher pytorch
_base_ = [
    "../_base_/models/cris_clip-rn50.py",
    "../_base_/datasets/refcoco_unc.py",
    "../_base_/default_runtime.py",
]
word_len = 17
tokenizer = dict(type="CLIPTokenizer", mode="truncate")
common = [  # after loading: shared by training and test
    dict(
        type="Letterbox",
        size=416,
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
train_pipeline = load_pipeline + common
test_pipeline = load_pipeline + common
train_dataloader = dict(batch_size=8, num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=8, dataset=dict(pipeline=test_pipeline))
model = dict(text_encoder=dict(context_length=word_len))
optim_wrapper = dict(
    type="AmpOptimWrapper",  # autocast + dynamic loss scale as the release (CUDA only)
    optimizer=dict(type="Adam", lr=1e-4, weight_decay=0.0),
    paramwise_cfg=dict(
        custom_keys={"backbone": dict(lr_mult=0.1), "text_encoder": dict(lr_mult=0.1)}
    ),
)
max_epochs = 50
param_scheduler = [
    dict(type="MultiStepLR", milestones=[35], gamma=0.1, by_epoch=True, begin=0, end=max_epochs)
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
sync_bn = "torch"
