# SemiRES on SynthRef, 1% labels, no SAM matching: every unlabeled sample trains on the teacher
# mask with pixel-wise adjustment (PWA) weights, i.e. the ablation without proposals.
_base_ = ["./semires_tiny_synthref-1pct-iom.py"]
model = dict(refine="pwa")
