# SeqTR's release evaluation protocol (docs/metrics.md, "Protocols"): the prediction is the
# decoded polygon rasterised with pycocotools in the sample's whole padded input frame (keep-ratio
# resize into 640, padded to a multiple of 32), coordinates without a pixel-centre offset, a
# 2-point sequence read as pycocotools' [x, y, w, h] box; the GT is loaded BEFORE Resize/Pad and
# transformed with the image; IoU as pycocotools.mask.iou with is_crowd (a GT of several
# polygons scores I / area(pred)); mIoU over samples, no oIoU in the release.
# A config selects it by listing this file in _base_ and writing
#     model = dict(test_cfg={{_base_.seqtr_release.test_cfg}})
#     val_evaluator = dict(type="RefSegMetric", iou_mode={{_base_.seqtr_release.iou_mode}})
#     test_evaluator = val_evaluator
# with a test pipeline LoadImage, SelectSentence, LoadReferAnnotations, Resize(640, keep_ratio),
# Pad(size_divisor=32), ... (a GT loaded after the geometry makes RefSegMetric refuse the shapes).
seqtr_release = dict(
    # rescale=False for models whose base test_cfg says rescale=True (frame wins, must agree)
    test_cfg=dict(frame="pad", rescale=False, pixel_offset=0.0, two_points="xywh"),
    iou_mode="coco_crowd",
)
