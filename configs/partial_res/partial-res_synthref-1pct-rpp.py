# Partial-RES step 3 on SynthRef, 1 % masks: retrain from the step-1 box model on the 67 GT
# masks plus the RPP-selected pseudo masks (tools/choose_pseudo.py), same model as step 2
# (partial-res_synthref-1pct.py). 3 epochs over the kept refs (their number depends on RPP).
_base_ = ["../seqtr/segm_synthref.py"]
load_from = "work_dirs/seqtr-det_synthref/epoch_5.pth"  # step 1 (box model)
model = dict(
    neck=dict(return_text_token=True),
    head=dict(language_token=True, task_prompt=True, cctf=True, cctf_axes="natural",
              point_bias=True),
)
train_dataloader = dict(
    dataset=dict(
        supervision_file="supervision_1pct.json",
        # relative to data_root (the annotation folder), or absolute
        pseudo_ann_file="../../work_dirs/partial-res_synthref-1pct/pseudo_rpp_1pct.json",
        keep_supervision=["mask"],
    )
)
