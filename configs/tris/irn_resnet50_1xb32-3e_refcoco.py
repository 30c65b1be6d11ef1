# IRNet's boundary network for TRIS on RefCOCO (UNC) train refs: an ImageNet ResNet-50 (frozen,
# as IRNet detaches its features) and the boundary head, IRNet's affinity loss on IR labels
# (PRMS map > 0.30 foreground, <= 0.10 background, pairs within radius 10 on the stride-4
# grid), SGD lr 0.1 without momentum, weight decay 1e-4, poly 0.9 per iteration, batch 32,
# 3 epochs (TRIS's IRNet recipe). Inputs are resized to 512 x 512 (IRNet: random rescale in
# [0.5, 1.5] and 512 crops). IR labels from two PRMS runs (docs/methods/tris.md):
#   python tools/generate_pseudo_labels.py configs/tris/prms_refcoco.py \
#       --out data/refcoco/pseudo/prms_fg.json --cfg-options pseudo_labeler.mask_thr=0.30 \
#       pseudo_labeler.checkpoint=<stage-1 checkpoint>
#   ... --out data/refcoco/pseudo/prms_outer.json --cfg-options pseudo_labeler.mask_thr=0.10 ...
#   python tools/train.py configs/tris/irn_resnet50_1xb32-3e_refcoco.py
_base_ = ["../_base_/datasets/refcoco_unc.py", "../_base_/default_runtime.py"]
model = dict(
    type="AffinityEdgeNet",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(
        type="TimmBackbone",
        model_name="resnet50",
        out_indices=(1, 2, 3, 4),  # strides 4, 8, 16, 32
        checkpoint_path="data/pretrained/resnet50_a1_in1k.safetensors",
        frozen=True,
    ),
    edge_channels=32,
    train_radius=10,
    radius=5,
    beta=10.0,
    exp_times=8,
    mask_thr=0.25,
)
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(512, 512), keep_ratio=False),
    dict(type="RandomFlip", prob=0.5),
    dict(type="TokenizeText", tokenizer=dict(type="CLIPTokenizer"), max_length=20),
    dict(type="PackRISInputs"),
    dict(
        type="LoadIRLabels",
        fg_file="data/refcoco/pseudo/prms_fg.json",
        outer_file="data/refcoco/pseudo/prms_outer.json",
    ),
]
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        pipeline=train_pipeline,
        supervision_file="supervision_text_only.json",
        pseudo_ann_file="pseudo/prms_outer.json",  # the refs with a map > 0.10 somewhere
        keep_supervision=["mask"],
    ),
)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
optim_wrapper = dict(
    type="OptimWrapper", optimizer=dict(type="SGD", lr=0.1, momentum=0.0, weight_decay=1e-4)
)
max_epochs = 3
param_scheduler = [
    dict(
        type="PolyLR",
        power=0.9,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True,
    )
]
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=1, save_best=None))
