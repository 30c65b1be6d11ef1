# SemiRES step 3 on SynthRef, 1% labels, IOM refinement (the release's main setting):
# student + EMA teacher of the toy LAVT, both from the burn-in checkpoint
# (configs/semires/lavt_tiny_synthref-1pct-burnin.py), proposals from
# configs/semires/synth_proposals_synthref.py. Batches: 4 labeled + 8 unlabeled; 200 iterations.
_base_ = ["../lavt/lavt_tiny_synthref.py"]
proposal_dir = "data/synthref/proposals"
burn_in_checkpoint = None  # e.g. --cfg-options model.burn_in_checkpoint=work_dirs/.../best.pth
model = dict(
    _delete_=True,  # the model becomes a teacher-student wrapper around the LAVT config
    type="SemiRESSegmentor",
    segmentor={{_base_.model}},
    refine="iom",
    sup_weight=10.0,  # train_semi_IOM.py multiplies L_sup by 10
    unsup_weight=1.0,  # lambda
    burn_in_checkpoint=burn_in_checkpoint,
    data_preprocessor={{_base_.model.data_preprocessor}},
    test_cfg=dict(eval_model="teacher"),
)
_synthref = dict(type="SynthRefDataset", data_root="data/synthref", preset="default", seed=0,
                 split="train", supervision_file="semi_1pct.json")
tokenizer = dict(type="WordVocabTokenizer", vocab="data/synthref/vocab.json")
unlabeled_pipeline = [  # the labeled pipeline + proposals (no GT mask: supervision 'none')
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=16),
    dict(type="PackRISInputs"),
    dict(type="LoadProposals", proposal_dir=proposal_dir, max_proposals=64),
]
train_dataloader = dict(
    _delete_=True,  # ConcatDataset + semi sampler replace the single dataset
    batch_size=12,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type="SemiSupervisedSampler", batch_size=12, num_labeled=4, epoch_length=200),
    dataset=dict(
        type="ConcatDataset",
        datasets=[
            dict(**_synthref, keep_supervision=["mask"], pipeline={{_base_.train_pipeline}}),
            dict(**_synthref, keep_supervision=["none"], pipeline=unlabeled_pipeline),
        ],
    ),
)
# 200 iterations: the release's keep rate 0.9996 would leave the teacher at the burn-in
# weights (0.9996 ** 200 = 0.92); 0.99 gives the teacher an effective horizon of 100 steps.
custom_hooks = [dict(type="EMATeacherHook", keep_rate=0.99)]
optim_wrapper = dict(optimizer=dict(lr=5e-4))
