# IRNet-style refinement of a localisation map (risseg/labelers/irn_refine.py): a random walk
# (radius 5, beta 10, 2^8 steps) on the affinities of a trained AffinityEdgeNet, foreground
# where the propagated map exceeds 0.25 of its maximum. The network is the model of its
# training config (configs/tris/irn_*.py, trained with tools/train.py) with its checkpoint.
pseudo_labeler = dict(
    type="IRNRefineLabeler",
    affinity_net="configs/tris/irn_resnet50_1xb32-3e_refcoco.py",
    checkpoint="work_dirs/irn_resnet50_1xb32-3e_refcoco/epoch_3.pth",
    map_key="response_map",
)
