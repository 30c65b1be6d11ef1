# TRIS stage 1 on RefCOCOg (UMD split: val / test): the RefCOCO recipe on another REFER dataset.
_base_ = ["./tris_stage1_clip-rn50_1xb48-15e_refcoco.py"]
_data = dict(dataset="refcocog", split_by="umd")
train_dataloader = dict(dataset=dict(dataset=_data))
val_dataloader = dict(dataset=_data)
test_dataloader = dict(dataset=dict(_data, split="test"))
