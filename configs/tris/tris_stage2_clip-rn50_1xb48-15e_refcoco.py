# TRIS stage 2 on RefCOCO (UNC), trained on the refined pseudo masks of the train refs (no GT
# mask, no box): 320x320 without keeping the aspect ratio, CLIP BPE sliced to 20 tokens (as
# released), AdamW lr 5e-5 (CLIP towers x 0.1, positional embeddings x 1), wd 0.01, batch 48
# on 1 GPU, 15 epochs, poly 0.9 stepped every iteration (the release builds this schedule but
# steps it once per epoch: *-release-sched.py). Evaluation at the original image size.
#   python tools/data/make_text_only_supervision.py --data-root data --dataset refcoco
#   python tools/generate_pseudo_labels.py configs/tris/prms_irn_refcoco.py \
#       --out data/refcoco/pseudo/tris_irn.json     (docs/methods/tris.md)
#   python tools/train.py configs/tris/tris_stage2_clip-rn50_1xb48-15e_refcoco.py
_base_ = [
    "../_base_/models/tris_stage2_clip-rn50.py",
    "../_base_/datasets/refcoco_unc.py",
    "../_base_/schedules/schedule_adamw_poly_40e.py",
    "../_base_/default_runtime.py",
]
tokenizer = dict(type="CLIPTokenizer", mode="slice")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(320, 320), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # GT at the original resolution, for the metric
    dict(type="Resize", scale=(320, 320), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(
    batch_size=48,
    dataset=dict(
        pipeline=train_pipeline,
        # every train ref without its mask (tools/data/make_text_only_supervision.py) ...
        supervision_file="supervision_text_only.json",
        # ... gets its refined pseudo mask (tools/generate_pseudo_labels.py)
        pseudo_ann_file="pseudo/tris_irn.json",
        keep_supervision=["mask"],  # refs without a pseudo mask are left out
    ),
)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
optim_wrapper = dict(
    optimizer=dict(type="AdamW", lr=5e-5, weight_decay=0.01),
    # the longest matching key wins: CLIP's positional embeddings train at the full lr
    paramwise_cfg=dict(
        custom_keys={
            "backbone": dict(lr_mult=0.1),
            "text_encoder": dict(lr_mult=0.1),
            "positional_embedding": dict(lr_mult=1.0),
        }
    ),
)
max_epochs = 15
param_scheduler = [  # lr * (1 - t / (iters_per_epoch * 15)) ** 0.9, stepped every iteration
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
randomness = dict(seed=1234)
