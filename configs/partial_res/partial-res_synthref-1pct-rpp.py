# Partial-RES step 3 on SynthRef, 1 % masks: retrain from the step-1 box model on the 67 GT
# masks plus the RPP-selected pseudo masks (tools/choose_pseudo.py); same model and schedule as
# step 2 (partial-res_synthref-1pct.py: 100 epochs, x0.1 after 80). The number of kept refs
# depends on RPP; benchmarks/seqtr_label_efficiency.py scales the epochs to ~300 iterations.
_base_ = ["./partial-res_synthref-1pct.py"]
train_dataloader = dict(
    dataset=dict(
        # relative to data_root (the annotation folder), or absolute
        pseudo_ann_file="../../work_dirs/partial-res_synthref-1pct/pseudo_rpp_1pct.json",
    )
)
