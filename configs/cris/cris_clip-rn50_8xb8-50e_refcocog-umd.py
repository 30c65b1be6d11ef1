# CRIS on RefCOCOg (UMD): the RefCOCO recipe with 22 tokens (the release's refcocog_u config).
_base_ = ["./cris_clip-rn50_8xb8-50e_refcoco.py"]
word_len = 22
tokenizer = dict(type="CLIPTokenizer", mode="truncate")
common = [  # after loading: shared by training and test
    dict(
        type="Letterbox",
        size=416,
        pad_value=(122.7709383, 116.7460125, 104.09373615),
        interpolation="bicubic",
        mask_interpolation="bilinear",
    ),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=word_len),
    dict(type="PackRISInputs"),
]
load_pipeline = [  # shared by training and test
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
]
train_pipeline = load_pipeline + common
test_pipeline = load_pipeline + common
_dataset = dict(dataset="refcocog", split_by="umd")
train_dataloader = dict(dataset=dict(**_dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(**_dataset, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(**_dataset, split="test", pipeline=test_pipeline))
model = dict(text_encoder=dict(context_length=word_len))
