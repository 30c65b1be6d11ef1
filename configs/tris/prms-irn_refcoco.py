# TRIS's refined pseudo masks on the RefCOCO (UNC) train refs in one pass: PRMS
# (configs/tris/prms_refcoco.py), then the random walk of the trained affinity network
# (configs/tris/irn_resnet50_1xb32-3e_refcoco.py); foreground where the propagated map exceeds
# 0.25 of its maximum (the union of IRNet's instances).
#   python tools/generate_pseudo_labels.py configs/tris/prms-irn_refcoco.py \
#       --out data/refcoco/pseudo/tris_irn.json --cfg-options \
#       pseudo_labeler.labelers.0.checkpoint=<stage-1 checkpoint> \
#       pseudo_labeler.labelers.1.checkpoint=<affinity-net checkpoint>
_base_ = ["./prms_refcoco.py"]
pseudo_labeler = dict(
    _delete_=True,  # PRMS becomes the first of a chain
    type="ChainLabeler",
    labelers=[
        {{_base_.pseudo_labeler}},
        dict(
            type="IRNRefineLabeler",
            affinity_net="configs/tris/irn_resnet50_1xb32-3e_refcoco.py",  # its model
            checkpoint="work_dirs/irn_resnet50_1xb32-3e_refcoco/epoch_3.pth",
        ),
    ],
)
