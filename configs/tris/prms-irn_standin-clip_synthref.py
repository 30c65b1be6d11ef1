# TRIS's refined pseudo masks on the SynthRef train refs in one pass: PRMS selects each ref's
# response map (configs/tris/prms_standin-clip_synthref.py), the trained affinity network
# (configs/tris/irn_standin-clip_1xb16-3e_synthref.py) spreads it by a random walk, and the
# propagated map above 0.25 of its maximum is the pseudo mask.
#   python tools/generate_pseudo_labels.py configs/tris/prms-irn_standin-clip_synthref.py \
#       --out data/synthref/pseudo/tris_irn.json --cfg-options \
#       pseudo_labeler.labelers.0.checkpoint=<stage-1 checkpoint> \
#       pseudo_labeler.labelers.1.checkpoint=<affinity-net checkpoint>
_base_ = ["./prms_standin-clip_synthref.py"]
affinity_net = dict(  # as in configs/tris/irn_standin-clip_1xb16-3e_synthref.py
    type="AffinityEdgeNet",
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(
        type="OpenCLIPResNet",
        model_name="synthref-clip-rn",
        model_config="work_dirs/standins/clip/open_clip_config.json",
        checkpoint="work_dirs/standins/clip/open_clip_model.safetensors",
        frozen=True,
    ),
    edge_channels=32,
    radius=5,
    beta=10.0,
    exp_times=8,
    mask_thr=0.25,
)
pseudo_labeler = dict(
    _delete_=True,  # PRMS becomes the first of a chain
    type="ChainLabeler",
    labelers=[
        {{_base_.pseudo_labeler}},
        dict(
            type="IRNRefineLabeler",
            affinity_net=affinity_net,
            checkpoint="work_dirs/irn_standin-clip_1xb16-3e_synthref/epoch_3.pth",
        ),
    ],
)
