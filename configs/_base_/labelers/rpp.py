# Partial-RES resampling of pseudo points (risseg/labelers/rpp.py): keeps a predicted mask whose
# box projections agree with the GT box (summed projection Dice loss below score_thr).
pseudo_labeler = dict(type="RPPLabeler", score_thr=0.1)
