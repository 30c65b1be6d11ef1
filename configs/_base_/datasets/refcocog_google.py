# RefCOCOg, Google split (train / val only; its train and val images overlap, prefer UMD).
# RefCOCOg-UMD's settings (refcocog_umd.py) with the other split file; testing runs on val.
_base_ = ["./refcocog_umd.py"]
split_by = "google"
train_dataloader = dict(dataset=dict(split_by=split_by))
val_dataloader = dict(dataset=dict(split_by=split_by))
test_dataloader = dict(dataset=dict(split_by=split_by, split="val"))
