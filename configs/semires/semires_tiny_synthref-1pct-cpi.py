# SemiRES on SynthRef, 1% labels, CPI refinement (union of proposal parts, ratio > 0.7);
# train_semi_CPI.py keeps L_sup unscaled.
_base_ = ["./semires_tiny_synthref-1pct-iom.py"]
model = dict(refine="cpi", sup_weight=1.0)
