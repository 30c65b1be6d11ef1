# LAVT on RefCOCOg (UMD split: train / val / test).
_base_ = ["./lavt_swin-b-bert_4xb8-40e_refcoco.py"]
train_dataloader = dict(dataset=dict(dataset="refcocog", split_by="umd"))
val_dataloader = dict(dataset=dict(dataset="refcocog", split_by="umd"))
test_dataloader = dict(dataset=dict(dataset="refcocog", split_by="umd", split="test"))
