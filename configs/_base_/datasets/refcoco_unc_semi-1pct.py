# RefCOCO (UNC) semi-supervised training data (SemiRES setting): the 1% labeled train images
# (semi_1pct.json 'mask', from tools/data/make_supervision_subsets.py) and the unlabeled rest
# ('none') with SAM proposals (configs/semires/sam_proposals_refcoco.py). 480x480, BERT ids.
# Per GPU 3 labeled + 3 unlabeled samples (the release's --batch-size 3 for each loader).
# Every path derives from _data_root, the data_root of the RefCOCO config this fragment is
# combined with (--data-root moves both). Proposals: set proposal_dir (or
# --cfg-options proposal_dir=DIR, which reaches LoadProposals).
_data_root = "data/"
proposal_dir = _data_root + "refcoco/sam_proposals"
_tokenizer = dict(
    type="BertTokenizer", vocab=_data_root + "pretrained/bert-base-uncased", mode="slice"
)
_refcoco = dict(
    type="ReferDataset",
    data_root=_data_root,
    dataset="refcoco",
    split_by="unc",
    img_prefix="images/mscoco/images/train2014",
    text_field="raw",
    split="train",
    supervision_file="semi_1pct.json",
)
_common = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    # PIL bilinear, as the release (torchvision resize of a PIL image); masks nearest
    dict(type="Resize", scale=(480, 480), keep_ratio=False, backend="pillow"),
    dict(type="TokenizeText", tokenizer=_tokenizer, max_length=20),
    dict(type="PackRISInputs"),
]
labeled_pipeline = _common
# weak (blur) / strong (colour jitter) views are made on the batch by SemiRESSegmentor; every
# sentence of the ref is tokenised too, for model.teacher_all_sentences (a risseg option)
unlabeled_pipeline = _common[:-2] + [
    dict(type="TokenizeText", tokenizer=_tokenizer, max_length=20, all_sentences=True),
    dict(type="PackRISInputs", extra_data_keys=("all_text_ids", "all_text_mask")),
    dict(type="LoadProposals", proposal_dir=proposal_dir),
]
semi_train_dataloader = dict(  # used as train_dataloader by the SemiRES configs
    _delete_=True,  # ConcatDataset + semi sampler replace a single dataset
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
