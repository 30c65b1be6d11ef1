# TRIS's refined pseudo masks on the SynthRef train refs in one pass: PRMS selects each ref's
# response map (configs/tris/prms_standin-clip_synthref.py), the trained affinity network
# (configs/tris/irn_standin-clip_1xb16-3e_synthref.py) spreads it by a random walk, and the
# propagated map above 0.25 of its maximum is the pseudo mask.
#   python tools/generate_pseudo_labels.py configs/tris/prms-irn_standin-clip_synthref.py \
#       --out data/synthref/pseudo/tris_irn.json --cfg-options \
#       pseudo_labeler.labelers.0.checkpoint=<stage-1 checkpoint> \
#       pseudo_labeler.labelers.1.checkpoint=<affinity-net checkpoint>
_base_ = ["./prms_standin-clip_synthref.py"]
pseudo_labeler = dict(
    _delete_=True,  # PRMS becomes the first of a chain
    type="ChainLabeler",
    labelers=[
        {{_base_.pseudo_labeler}},
        dict(
            type="IRNRefineLabeler",
            affinity_net="configs/tris/irn_standin-clip_1xb16-3e_synthref.py",  # its model
            checkpoint="work_dirs/irn_standin-clip_1xb16-3e_synthref/epoch_3.pth",
        ),
    ],
)
