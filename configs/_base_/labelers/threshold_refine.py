# The plain pseudo mask of a localisation map (risseg/labelers/threshold_refine.py): the
# max-normalised map (e.g. TRIS's PRMS response_map) above thr.
pseudo_labeler = dict(type="ThresholdRefineLabeler", thr=0.5, map_key="response_map")
