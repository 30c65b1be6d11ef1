# LAVT trained on Pseudo-RIS pseudo pairs generated from the unlabeled RefCOCO+ train images
# (configs/pseudo_ris/generate_refcocoplus.py), evaluated on RefCOCO (UNC). No human label is
# used in training. The recipe is LAVT's (configs/lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py).
#   tools/dist_train.sh \
#       configs/pseudo_ris/lavt_swin-b-bert_4xb8-40e_pseudo-refcocoplus_refcoco.py 4
_base_ = ["../lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py"]
pseudo_root = "data/pseudo_ris/refcoco+/refer"  # tools/pseudo_ris/generate.py --stage write
train_dataloader = dict(
    dataset=dict(data_root=pseudo_root, dataset="", split_by="pseudo", img_prefix="images")
)
