# TRIS stage 2 on SynthRef from text alone: the same network and schedule as the fully
# supervised reference, trained on the pseudo masks of the train refs (the PRMS map > t,
# t chosen on val; no GT mask, no box). Pseudo masks: docs/methods/tris.md, section
# "SynthRef" (benchmarks/tris_synthref.py).
_base_ = ["./tris_stage2_standin-clip_1xb16-6e_synthref.py"]
train_dataloader = dict(
    dataset=dict(
        # tools/data/make_text_only_supervision.py --data-root data/synthref --dataset "" \
        #     --split-by synth
        supervision_file="supervision_text_only.json",
        pseudo_ann_file="pseudo/tris_prms.json",  # relative to data/synthref
        keep_supervision=["mask"],  # refs without a pseudo mask are left out
    )
)
