# RefCOCOg, UMD split (train / val / test), the recommended RefCOCOg split.
# Everything but the annotation folder, the split file and the test split is RefCOCO's
# (refcoco_unc.py).
_base_ = ["./refcoco_unc.py"]
refer_dataset = "refcocog"
split_by = "umd"
_dataset = dict(dataset=refer_dataset, split_by=split_by)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=dict(**_dataset, split="test"))  # the UMD test split
