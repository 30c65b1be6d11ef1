# IRNet-style refinement of a localisation map (risseg/labelers/irn_refine.py): a random walk
# (radius 5, beta 10, 2^8 steps) on the affinities of a trained AffinityEdgeNet, foreground
# where the propagated map exceeds 0.25 of its maximum. The network and its checkpoint come
# from an irn config (configs/tris/irn_*.py, trained with tools/train.py).
pseudo_labeler = dict(
    type="IRNRefineLabeler",
    affinity_net=dict(
        type="AffinityEdgeNet",
        backbone=dict(
            type="TimmBackbone",
            model_name="resnet50",
            out_indices=(1, 2, 3, 4),
            checkpoint_path="data/pretrained/resnet50_a1_in1k.safetensors",
            frozen=True,
        ),
        radius=5,
        beta=10.0,
        exp_times=8,
        mask_thr=0.25,
    ),
    checkpoint="work_dirs/irn_resnet50_1xb32-3e_refcoco/epoch_3.pth",
    map_key="response_map",
)
