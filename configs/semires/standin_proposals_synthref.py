# Class-agnostic proposals for the unlabeled SynthRef train images by the learned SAM stand-in
# (a small segment-anything SAM trained on the stand-in corpus's masks by
# `python tools/train_standins.py --out work_dirs/standins --parts sam`), in automatic mode:
# SamAutomaticMaskGenerator with a 16 x 16 point grid and the stand-in's filters (predicted IoU
# and stability >= 0.5, see risseg/standins/sam.py AMG_CFG), through
# SegmentAnythingGenerator as for the real SAM (configs/semires/sam_proposals_refcoco.py).
#   python tools/generate_pseudo_labels.py configs/semires/standin_proposals_synthref.py \
#       --out data/synthref/standin_proposals
# SemiRES trains on them with its 1 % CPI config and one override (the folder LoadProposals
# reads):
#   python tools/train.py configs/semires/semires_tiny_synthref-1pct-cpi.py --cfg-options \
#       proposal_dir=data/synthref/standin_proposals model.burn_in_checkpoint=...
# or, burn-in included, beside the heuristic proposals' run (docs/benchmarks.md):
#   OMP_NUM_THREADS=1 python benchmarks/semires_label_efficiency.py --full \
#       --only semires_cpi_standin
_base_ = ["./synth_proposals_synthref.py"]
_standin = "work_dirs/standins/sam"
pseudo_labeler = dict(
    _delete_=True,
    type="MaskProposalLabeler",
    mask_generator=dict(
        type="SegmentAnythingGenerator",
        model_config=_standin + "/sam_config.json",
        checkpoint=_standin + "/sam_model.safetensors",
        amg_cfg=dict(points_per_side=16, pred_iou_thresh=0.5, stability_score_thresh=0.5),
    ),
)
