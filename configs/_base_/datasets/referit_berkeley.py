# ReferIt (RefCLEF), Berkeley split (train / val / test); images from SAIAPR TC-12. Set
# img_prefix so that <data_root>/<img_prefix>/<instances.json file_name> exists.
# RefCOCOg-UMD's settings (refcocog_umd.py) otherwise.
_base_ = ["./refcocog_umd.py"]
refer_dataset = "refclef"
split_by = "berkeley"
img_prefix = "images/saiapr_tc-12"  # image root, relative to data_root
_dataset = dict(dataset=refer_dataset, split_by=split_by, img_prefix=img_prefix)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
