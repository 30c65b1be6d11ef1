# S+S+C "Correct", step 1: LAVT (Swin-B + BERT, 480x480) pre-trained 40 epochs on the Select
# stage's masks (random_ce: plain CE with weights 0.9 / 1.1 on one mask per ref); no GT mask is
# loaded. Per-image batching: the refs of an image are consecutive (ImageGroupedSampler), one
# random sentence per ref, 15 items per GPU and step, 4 GPUs (the release: 7 images per loader
# batch unfolded into chunks of 15 items). AdamW lr 5e-5 wd 1e-2, poly 0.9 over the real number
# of steps (len(dataloader) x epochs; every step is one chunk).
#   torchrun --nproc_per_node 4 tools/train.py \
#       configs/ssc/lavt_swin-b-bert_4xb15-40e_refcoco-random-ce.py --launcher pytorch
_base_ = ["../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py"]
pseudo_file = "work_dirs/ssc/refcoco/select.json"
model = dict(type="SSCLAVTSegmentor", train_cfg=dict(loss_mode="random_ce"))
tokenizer = {{_base_.tokenizer}}
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False, backend="pillow"),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
    dict(type="LoadPseudoInstances", ann_file=pseudo_file, allow_missing=True),
]
train_dataloader = dict(
    batch_size=15,
    sampler=dict(_delete_=True, type="ImageGroupedSampler", shuffle=True),
    dataset=dict(pipeline=train_pipeline),
)
