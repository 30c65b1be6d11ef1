# CRIS at toy scale (configs/cris/cris_standin-clip_1xb16-4e_synthref.py) trained on Pseudo-RIS
# pseudo pairs (zero human labels): the REFER-format dataset written by
#   python tools/pseudo_ris/generate.py configs/pseudo_ris/generate_synthref.py \
#       --work-dir work_dirs/pseudo_ris/synthref --stage all
# Validation and test on SynthRef's ground truth as usual; same recipe as the fully supervised
# CRIS, only the training data differ.
#   python tools/train.py configs/pseudo_ris/cris_standin-clip_synthref_pseudo.py
_base_ = ["../cris/cris_standin-clip_1xb16-4e_synthref.py"]
pseudo_root = "work_dirs/pseudo_ris/synthref/refer"
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type="ReferDataset",
        data_root=pseudo_root,
        dataset="",
        split_by="pseudo",
        split="train",
        img_prefix="images",
        pipeline={{_base_.train_pipeline}},
    )
)
