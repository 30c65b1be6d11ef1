# S+S+C "Segment" on refcocog (umd) train; see segment_refcoco.py.
_base_ = ["./segment_refcoco.py"]
pseudo_label_dataset = dict(dataset="refcocog", split_by="umd")
