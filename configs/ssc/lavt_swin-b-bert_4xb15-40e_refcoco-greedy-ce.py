# S+S+C "Correct", step 2: from the random_ce model, 40 more epochs of constrained greedy
# matching (greedy_ce) over all Segment instances of each ref; same recipe otherwise.
#   torchrun --nproc_per_node 4 tools/train.py \
#       configs/ssc/lavt_swin-b-bert_4xb15-40e_refcoco-greedy-ce.py --launcher pytorch \
#       --cfg-options load_from=work_dirs/<random-ce run>/best_mIoU_epoch_N.pth
_base_ = ["../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py"]
pseudo_file = "work_dirs/ssc/refcoco/segment.json"
model = dict(type="SSCLAVTSegmentor", train_cfg=dict(loss_mode="greedy_ce"))
tokenizer = {{_base_.tokenizer}}
train_dataloader = dict(
    batch_size=15,
    sampler=dict(_delete_=True, type="ImageGroupedSampler", shuffle=True),
    dataset=dict(
        pipeline=[
            dict(type="LoadImage"),
            dict(type="SelectSentence"),
            dict(type="Resize", scale=(480, 480), keep_ratio=False, backend="pillow"),
            dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
            dict(type="PackRISInputs"),
            dict(type="LoadPseudoInstances", ann_file=pseudo_file, allow_missing=True),
        ]
    ),
)
load_from = "work_dirs/lavt_swin-b-bert_4xb15-40e_refcoco-random-ce/best.pth"
