# The release's learning-rate schedule (a switch, not the default): the poly decay is built
# for per-iteration steps, T = iterations per epoch x 15, but stepped once per epoch, so after
# e epochs the factor is (1 - e / T) ** 0.9, i.e. the lr stays at 5e-5. T = 884 x 15 = 13260
# (42404 RefCOCO train refs, one sample per ref in the release, batch 48: 884 iterations).
_base_ = ["./tris_stage2_clip-rn50_1xb48-15e_refcoco.py"]
param_scheduler = [
    dict(type="PolyLR", power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=13260),
]
