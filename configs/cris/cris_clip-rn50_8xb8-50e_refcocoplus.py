# CRIS on RefCOCO+ (UNC): the RefCOCO recipe (17 tokens).
_base_ = ["./cris_clip-rn50_8xb8-50e_refcoco.py"]
refer_dataset = "refcoco+"
train_dataloader = dict(dataset=dict(dataset=refer_dataset))
val_dataloader = dict(dataset=dict(dataset=refer_dataset))
test_dataloader = dict(dataset=dict(dataset=refer_dataset))
