# The SynthRef stand-in for SAM proposals: colour regions (risseg/labelers/synth_proposals.py).
pseudo_labeler = dict(type="SynthProposalLabeler", blur=3, edge_thr=20.0, min_area=20)
