# The SAM 3-style text-prompt Segment variant on SynthRef. There is no SAM 3 stand-in: the
# stand-in detector + SAM are prompted with the ref's full expressions (each sentence one
# phrase, no noun parsing), i.e. "open-vocabulary segmentation from the whole text", which is
# what SAM 3's text prompt does on RefCOCO (configs/ssc/segment_sam3_refcoco.py).
#   python tools/generate_pseudo_labels.py configs/ssc/segment_fullexpr_synthref.py \
#       --out work_dirs/ssc/synthref/segment_fullexpr.json
_base_ = ["./segment_synthref.py"]
pseudo_labeler = dict(text_parser=None, parser_method=None, retry_template=None)
