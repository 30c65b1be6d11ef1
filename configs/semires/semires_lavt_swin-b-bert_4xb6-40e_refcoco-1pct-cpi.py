# SemiRES on RefCOCO, 1% labels, CPI (train_semi_CPI.py: union of SAM parts, ratio > 0.7,
# L_sup unscaled). The release notes that its main table uses IOM.
_base_ = ["./semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-iom.py"]
model = dict(refine="cpi", sup_weight=1.0)
