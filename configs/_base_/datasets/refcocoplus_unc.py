# RefCOCO+, UNC split (train / val / testA / testB); no absolute-location words in its texts.
# Everything but the annotation folder is RefCOCO's (refcoco_unc.py).
_base_ = ["./refcoco_unc.py"]
refer_dataset = "refcoco+"
train_dataloader = dict(dataset=dict(dataset=refer_dataset))
val_dataloader = dict(dataset=dict(dataset=refer_dataset))
test_dataloader = dict(dataset=dict(dataset=refer_dataset))
