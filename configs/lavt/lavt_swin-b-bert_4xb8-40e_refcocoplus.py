# LAVT on RefCOCO+ (UNC): as the RefCOCO config, other annotations.
_base_ = ["./lavt_swin-b-bert_4xb8-40e_refcoco.py"]
train_dataloader = dict(dataset=dict(dataset="refcoco+"))
val_dataloader = dict(dataset=dict(dataset="refcoco+"))
test_dataloader = dict(dataset=dict(dataset="refcoco+"))  # testB: dataset.split=testB
