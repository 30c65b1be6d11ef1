# SemiRES on RefCOCO, 1% labels, without SAM matching (PWA on every unlabeled sample): ablation.
_base_ = ["./semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-iom.py"]
model = dict(refine="pwa")
