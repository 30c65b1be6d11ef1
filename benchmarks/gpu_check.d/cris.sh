# CRIS group of benchmarks/gpu_check.sh (sourced there: step, speed, $PY, $OUT).
# 1. CRIS RN50 at RefCOCO size with random weights (416 px letterbox, 17 tokens): training and
#    inference speed and peak memory at the release's 8 per GPU, fp32 and fp16 autocast
#    -> $OUT/speed_cris_refcoco_*.json.
# 2. End to end on SynthRef (GT masks; the stand-in CLIP's architecture with random weights, so
#    no stand-in files are needed): 1 epoch with --amp on 1600 train refs (100 iterations),
#    resumed to 2, tested, then one epoch under torchrun with NCCL (one process per GPU).
CRIS=configs/cris/cris_clip-rn50_8xb8-50e_refcoco.py
CRIS_RANDOM=(model.backbone.checkpoint=None model.text_encoder.checkpoint=None)
speed cris_refcoco_fp32 "$CRIS" --batch 8 --size 416 --iters 5 --cfg-options "${CRIS_RANDOM[@]}"
speed cris_refcoco_fp16 "$CRIS" --batch 8 --size 416 --iters 5 --amp float16 \
    --cfg-options "${CRIS_RANDOM[@]}"
CRIS_E2E=$OUT/e2e
mkdir -p "$CRIS_E2E"
CRIS_S=configs/cris/cris_standin-clip_1xb16-4e_synthref.py
"$PY" -c "import json, sys; from risseg.standins.clip import MODEL_CFG; \
json.dump(MODEL_CFG, open(sys.argv[1], 'w'))" "$CRIS_E2E/cris_synthref_clip_rn.json"
CRIS_S_OPTS=("${CRIS_RANDOM[@]}"
    "model.backbone.model_config=$CRIS_E2E/cris_synthref_clip_rn.json"
    "model.text_encoder.model_config=$CRIS_E2E/cris_synthref_clip_rn.json"
    train_dataloader.dataset.indices=1600)
step "e2e cris train --amp" 300 "$PY" tools/train.py "$CRIS_S" --amp \
    --work-dir "$CRIS_E2E/cris" --cfg-options "${CRIS_S_OPTS[@]}" train_cfg.max_epochs=1
step "e2e cris resume --amp" 300 "$PY" tools/train.py "$CRIS_S" --amp \
    --work-dir "$CRIS_E2E/cris" --resume --cfg-options "${CRIS_S_OPTS[@]}" train_cfg.max_epochs=2
step "e2e cris test" 120 "$PY" tools/test.py "$CRIS_S" "$CRIS_E2E/cris/epoch_2.pth" \
    --work-dir "$CRIS_E2E/cris_test" --cfg-options "${CRIS_S_OPTS[@]}"
step "e2e cris ddp nccl" 300 "$PY" -m torch.distributed.run \
    --nproc_per_node "$("$PY" -c 'import torch; print(torch.cuda.device_count())')" \
    tools/train.py "$CRIS_S" --launcher pytorch --amp --work-dir "$CRIS_E2E/cris_ddp" \
    --cfg-options "${CRIS_S_OPTS[@]}" train_cfg.max_epochs=1
