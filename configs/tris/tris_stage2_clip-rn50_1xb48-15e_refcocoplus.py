# TRIS stage 2 on RefCOCO+ (UNC): the RefCOCO recipe on RefCOCO+'s pseudo masks.
_base_ = ["./tris_stage2_clip-rn50_1xb48-15e_refcoco.py"]
_data = dict(dataset="refcoco+", split_by="unc")
train_dataloader = dict(dataset=_data)
val_dataloader = dict(dataset=_data)
test_dataloader = dict(dataset=_data)
