# SynthRef semi-supervised training data (SemiRES setting): the 1% labeled images
# (semi_1pct.json 'mask') and the unlabeled rest ('none') with stored class-agnostic proposals
# (configs/semires/synth_proposals_synthref.py). Each batch: 4 labeled + 8 unlabeled samples.
# Every path derives from _data_root, the data_root of the SynthRef config this fragment is
# combined with (--data-root moves both). Proposals: set proposal_dir (or
# --cfg-options proposal_dir=DIR, which reaches LoadProposals).
_data_root = "data/synthref"
proposal_dir = _data_root + "/proposals"
_tokenizer = dict(type="WordVocabTokenizer", vocab=_data_root + "/vocab.json")
_synthref = dict(
    type="SynthRefDataset",
    data_root=_data_root,
    preset="default",
    seed=0,
    split="train",
    supervision_file="semi_1pct.json",
)
_common = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # mask for labeled refs, nothing for unlabeled ones
    dict(type="Resize", scale=(128, 128), keep_ratio=False),  # no flip: proposals stay aligned
    dict(type="TokenizeText", tokenizer=_tokenizer, max_length=16),
    dict(type="PackRISInputs"),
]
labeled_pipeline = _common
# every sentence of the ref is tokenised too, for model.teacher_all_sentences (a risseg option)
unlabeled_pipeline = _common[:-2] + [
    dict(type="TokenizeText", tokenizer=_tokenizer, max_length=16, all_sentences=True),
    dict(type="PackRISInputs", extra_data_keys=("all_text_ids", "all_text_mask")),
    dict(type="LoadProposals", proposal_dir=proposal_dir, max_proposals=64),
]
semi_train_dataloader = dict(  # used as train_dataloader by the SemiRES configs
    _delete_=True,  # ConcatDataset + semi sampler replace a single dataset
    batch_size=12,
    num_workers=1,
    persistent_workers=True,
    # 150 iterations per epoch (the unlabeled set once would be 6632 / 8 = 829): the teacher is
    # validated often enough for early stopping (see semires_tiny_synthref-1pct-cpi.py)
    sampler=dict(type="SemiSupervisedSampler", batch_size=12, num_labeled=4, epoch_length=150),
    dataset=dict(
        type="ConcatDataset",
        datasets=[
            dict(**_synthref, keep_supervision=["mask"], pipeline=labeled_pipeline),
            dict(**_synthref, keep_supervision=["none"], pipeline=unlabeled_pipeline),
        ],
    ),
)
