# The toy LAVT of configs/lavt/lavt_tiny_synthref.py trained on Pseudo-RIS pseudo pairs (zero
# human labels): the REFER-format dataset written by
#   python tools/pseudo_ris/generate.py configs/pseudo_ris/generate_synthref.py \
#       --work-dir work_dirs/pseudo_ris/synthref --stage all
# Validation and test on SynthRef's human-free ground truth as usual. Same recipe as the fully
# supervised toy LAVT; only the training data differ.
#   python tools/train.py configs/pseudo_ris/lavt_tiny_synthref_pseudo.py
_base_ = ["../lavt/lavt_tiny_synthref.py"]
pseudo_root = "work_dirs/pseudo_ris/synthref/refer"
tokenizer = dict(type="WordVocabTokenizer", vocab="data/synthref/vocab.json")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),  # one kept pseudo caption per iteration
    dict(type="LoadReferAnnotations"),
    dict(type="Resize", scale=(128, 128), keep_ratio=False),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=16),
    dict(type="PackRISInputs"),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type="ReferDataset",
        data_root=pseudo_root,
        dataset="",
        split_by="pseudo",
        split="train",
        img_prefix="images",
        pipeline=train_pipeline,
    )
)
