# The SynthRef stand-in for SAM proposals: colour regions (risseg/labelers/synth_proposals.py,
# risseg/foundation/colour_regions.py).
pseudo_labeler = dict(
    type="SynthProposalLabeler",
    mask_generator=dict(type="ColourRegionGenerator", blur=3, edge_thr=20.0, min_area=20),
)
