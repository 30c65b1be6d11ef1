# S+S+C "Segment" on refcoco+ (unc) train; see segment_refcoco.py.
_base_ = ["./segment_refcoco.py"]
pseudo_label_dataset = dict(dataset="refcoco+", split_by="unc")
