# SemiRES step 1 on RefCOCO: supervised LAVT burn-in on the 1% labeled images (README:
# batch 2 per GPU x 4 GPUs, 40 epochs, lr 5e-5, wd 1e-2). semi_1pct.json: image-level split
# written by tools/data/make_supervision_subsets.py (floor(1% of the train images), seed 0).
# Pipelines (PIL resize) and the 480x480 argmax evaluation are the LAVT RefCOCO config's
# release protocol.
_base_ = ["../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py"]
train_dataloader = dict(
    batch_size=2,
    dataset=dict(supervision_file="semi_1pct.json", keep_supervision=["mask"]),
)
