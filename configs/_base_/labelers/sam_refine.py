# SemiRES refinement of a teacher mask with proposals (risseg/labelers/sam_refine.py); strategy
# "iom", "cpi", "pwa" or "top" (a risseg option); thr None: the strategy's default threshold.
pseudo_labeler = dict(type="SAMRefineLabeler", strategy="cpi", thr=None)
