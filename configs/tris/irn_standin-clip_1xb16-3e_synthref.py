# IRNet's boundary network for TRIS on SynthRef (128 px): the frozen stand-in CLIP image tower
# (C1..C4) and a boundary head, trained with IRNet's affinity loss on IR labels (PRMS map >
# 0.30 foreground, <= 0.10 background) of the train refs; no GT mask, no box. The IR labels come
# from two PRMS runs (docs/methods/tris.md, "Refinement"):
#   python tools/generate_pseudo_labels.py configs/tris/prms_synthref.py \
#       --out data/synthref/pseudo/prms_fg.json --cfg-options pseudo_labeler.mask_thr=0.30
#   ... --out data/synthref/pseudo/prms_outer.json --cfg-options pseudo_labeler.mask_thr=0.10
#   python tools/train.py configs/tris/irn_standin-clip_1xb16-3e_synthref.py
# 3 epochs of 419 iterations (6697 train refs / 16); pair radius 5 on the 32x32 boundary grid
# (IRNet: 10 on a 128x128 grid).
_base_ = ["../_base_/datasets/synthref.py", "../_base_/default_runtime.py"]
ir_fg = "data/synthref/pseudo/prms_fg.json"
ir_outer = "data/synthref/pseudo/prms_outer.json"
model = dict(
    type="AffinityEdgeNet",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(
        type="OpenCLIPResNet",
        model_name="synthref-clip-rn",
        model_config="work_dirs/standins/clip/open_clip_config.json",
        checkpoint="work_dirs/standins/clip/open_clip_model.safetensors",
        frozen=True,
    ),
    edge_channels=32,
    train_radius=5,
    radius=5,
    beta=10.0,
    exp_times=8,
    mask_thr=0.25,
)
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="RandomFlip", prob=0.5),
    dict(type="TokenizeText", tokenizer=dict(type="CLIPTokenizer"), max_length=20),
    dict(type="PackRISInputs"),
    dict(type="LoadIRLabels", fg_file=ir_fg, outer_file=ir_outer),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    dataset=dict(
        pipeline=train_pipeline,
        # the refs with a non-empty map > 0.10 (all refs lose their GT: text-only supervision)
        supervision_file="supervision_text_only.json",
        pseudo_ann_file="pseudo/prms_outer.json",
        keep_supervision=["mask"],
    ),
)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
# IRNet: SGD lr 0.1 on the boundary head, weight decay 1e-4, no momentum (the release passes
# the weight decay into SGD's momentum slot), poly 0.9 per iteration
optim_wrapper = dict(
    type="OptimWrapper",
    optimizer=dict(type="SGD", lr=0.1, momentum=0.0, weight_decay=1e-4),
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
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=1, save_best=None))
log_processor = dict(window_size=20)
