# S+S+C "Select" on SynthRef train: reverse blur with the CLIP stand-in. min_area is the
# release's 500 px scaled to the image area (500 px of a 640x480 COCO image = 0.16 %; of a
# 128x128 SynthRef image: 27 px); the blur sigma stays 50 px (a 301 px kernel: at 128 px the
# whole background is flattened to nearly its mean colour).
#   python tools/generate_pseudo_labels.py configs/ssc/select_synthref.py \
#       --out work_dirs/ssc/synthref/select.json
_base_ = ["./segment_synthref.py"]
segment_file = "work_dirs/ssc/synthref/segment.json"
pseudo_label_dataset = dict(
    pipeline=[
        dict(type="LoadImage"),
        {{_base_.pack_pipeline}},
        dict(type="LoadPseudoInstances", ann_file=segment_file),
    ]
)
pseudo_labeler = dict(
    _delete_=True,
    type="ZeroShotSelectLabeler",
    choice="reverse_blur",
    scorer={{_base_.scorer}},
    sigma=50.0,
    min_area=27,
    channel_order="RGB",
)
