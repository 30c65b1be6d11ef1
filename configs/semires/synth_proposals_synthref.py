# Class-agnostic proposals for the unlabeled SynthRef train images, by the SynthRef stand-in for
# SAM (SynthProposalLabeler with ColourRegionGenerator: colour regions; SAM weights cannot be
# downloaded here).
#   python tools/generate_pseudo_labels.py configs/semires/synth_proposals_synthref.py \
#       --out data/synthref/proposals
_base_ = ["../_base_/default_runtime.py"]
data_root = "data/synthref"
pseudo_label_dataset = dict(
    type="SynthRefDataset",
    data_root=data_root,
    preset="default",
    seed=0,
    split="train",
    supervision_file="semi_1pct.json",
    keep_supervision=["none"],  # only the unlabeled images need proposals
    pipeline=[dict(type="LoadImage"), dict(type="PackRISInputs")],  # original resolution
)
pseudo_labeler = dict(
    type="SynthProposalLabeler",
    mask_generator=dict(type="ColourRegionGenerator", blur=3, edge_thr=20.0, min_area=20),
)
