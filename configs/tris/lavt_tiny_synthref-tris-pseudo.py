# The toy LAVT (configs/lavt/lavt_tiny_synthref.py) trained on TRIS's pseudo masks (PRMS
# map > t, docs/methods/tris.md "SynthRef") instead of the GT masks: any REFER-format model
# trains on them by config alone.
_base_ = ["../lavt/lavt_tiny_synthref.py"]
train_dataloader = dict(
    dataset=dict(
        supervision_file="supervision_text_only.json",
        pseudo_ann_file="pseudo/tris_prms.json",  # relative to data/synthref
        keep_supervision=["mask"],
    )
)
