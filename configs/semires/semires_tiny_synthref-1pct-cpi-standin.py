# SemiRES on SynthRef, 1% labels, CPI refinement, as semires_tiny_synthref-1pct-cpi.py but with
# the proposals of the learned SAM stand-in (configs/semires/standin_proposals_synthref.py)
# instead of the colour-region ones. Only LoadProposals' folder differs.
_base_ = ["./semires_tiny_synthref-1pct-cpi.py"]
proposal_dir = "data/synthref/standin_proposals"
_synthref = dict(
    type="SynthRefDataset",
    data_root="data/synthref",
    preset="default",
    seed=0,
    split="train",
    supervision_file="semi_1pct.json",
)
_tokenizer = dict(type="WordVocabTokenizer", vocab="data/synthref/vocab.json")
train_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(**_synthref, keep_supervision=["mask"], pipeline={{_base_.labeled_pipeline}}),
            dict(
                **_synthref,
                keep_supervision=["none"],
                pipeline=[
                    dict(type="LoadImage"),
                    dict(type="SelectSentence"),
                    dict(type="LoadReferAnnotations"),
                    dict(type="Resize", scale=(128, 128), keep_ratio=False),
                    dict(
                        type="TokenizeText", tokenizer=_tokenizer, max_length=16, all_sentences=True
                    ),
                    dict(type="PackRISInputs", extra_data_keys=("all_text_ids", "all_text_mask")),
                    dict(type="LoadProposals", proposal_dir=proposal_dir, max_proposals=64),
                ],
            ),
        ]
    )
)
