# SemiRES step 3 on RefCOCO, 1% labels, IOM (train_semi_IOM.py, the paper's main table):
# student + EMA teacher (keep 0.9996) of LAVT, both from the burn-in checkpoint; per GPU
# 3 labeled + 3 unlabeled samples (the release's --batch-size 3 for each loader), 4 GPUs.
_base_ = ["../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py"]
proposal_dir = "data/refcoco/sam_proposals"
model = dict(
    _delete_=True,  # the model becomes a teacher-student wrapper around the LAVT config
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    refine="iom",
    sup_weight=10.0,  # train_semi_IOM.py multiplies L_sup by 10
    unsup_weight=1.0,  # --unsup_lambda
    burn_in_checkpoint="work_dirs/lavt_swin-b-bert_4xb2-40e_refcoco-1pct-burnin/best.pth",
    data_preprocessor={{_base_.model.data_preprocessor}},
    test_cfg=dict(eval_model="teacher"),
)
tokenizer = dict(type="BertTokenizer", vocab="data/pretrained/bert-base-uncased", mode="slice")
_refcoco = dict(type="ReferDataset", data_root="data/", dataset="refcoco", split_by="unc",
                img_prefix="images/mscoco/images/train2014", text_field="raw", split="train",
                supervision_file="semi_1pct.json")
labeled_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
unlabeled_pipeline = [  # weak/strong views are made on the batch by the model
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="Resize", scale=(480, 480), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=20),
    dict(type="PackRISInputs"),
    dict(type="LoadProposals", proposal_dir=proposal_dir),
]
train_dataloader = dict(
    _delete_=True,  # ConcatDataset + semi sampler replace the single dataset
    batch_size=6,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type="SemiSupervisedSampler", batch_size=6, num_labeled=3),
    dataset=dict(
        type="ConcatDataset",
        datasets=[
            dict(**_refcoco, keep_supervision=["mask"], pipeline=labeled_pipeline),
            dict(**_refcoco, keep_supervision=["none"], pipeline=unlabeled_pipeline),
        ],
    ),
)
custom_hooks = [dict(type="EMATeacherHook", keep_rate=0.9996)]
