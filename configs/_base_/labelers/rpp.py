# Partial-RES resampling of pseudo points (risseg/labelers/rpp.py), the release's rule: keeps a
# predicted mask made of one polygon whose box projections agree with the GT box (summed
# projection Dice loss below score_thr). tools/choose_pseudo.py builds it from here (--config,
# --cfg-options pseudo_labeler.score_thr=...); keep_multi_polygon=True (a risseg option) scores
# predictions of several polygons on their union instead of dropping them.
pseudo_labeler = dict(type="RPPLabeler", score_thr=0.1, keep_multi_polygon=False)
