# Labelers applied in order on the same samples (risseg/labelers/chain.py), e.g. TRIS's PRMS
# followed by a refiner (configs/tris/prms_irn_*.py); here PRMS's map thresholded.
pseudo_labeler = dict(
    type="ChainLabeler",
    labelers=[dict(type="ThresholdRefineLabeler", thr=0.5, map_key="response_map")],
)
