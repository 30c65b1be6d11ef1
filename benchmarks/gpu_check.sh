#!/usr/bin/env bash
# GPU speed/memory figures and end-to-end GPU checks in one command of about 12 minutes
# (docs/benchmarks.md, "GPU figures and check"). Needs a CUDA GPU; downloads nothing (random
# weights, SynthRef generated).
#
#   bash benchmarks/gpu_check.sh OUT_DIR [GROUP...]   (PYTHON=python3 where `python` is not
#                                                      on the PATH)
#
# GROUPs: speed, e2e, semires (about 6, 2 and 5 minutes on an H200) and one group per method
# in benchmarks/gpu_check.d/<group>.sh (ssc, tris, pseudo_ris); default: all of them.
#
# 1. benchmarks/model_speed.py on the full-size RefCOCO configs, batch per GPU as configured:
#    LAVT (480 px, batch 8) in fp32 and with fp16 autocast, SeqTR (640 px, batch 128) and the
#    SemiRES-CPI step (480 px, 3 labeled + 3 unlabeled with 32 proposals each) likewise.
#    One JSON per run: OUT_DIR/speed_<name>.json.
# 2. End to end on SynthRef (data/synthref, generated on first use): the toy LAVT trained with
#    --amp (fp16, dynamic loss scale), tested, then resumed for one more epoch (checkpoint
#    loading under torch >= 2.6 with the loss-scaler state); SeqTR trained one epoch with
#    --amp and ema=True, then tested with its EMA weights. Logs in OUT_DIR/e2e.
# 3. SemiRES end to end on SynthRef (group semires): stand-in proposals, a short burn-in with
#    --amp, SemiRES-CPI (student, EMA teacher, CPI) with --amp for 2 epochs, resumed to 3,
#    tested (the teacher); then one epoch under torchrun with NCCL (DDP around the
#    teacher-student model; one process where the machine has one GPU).
# Each step has its own time limit; a failed step is reported and the others still run. The
# exit status is 1 when any step failed.
set -u
OUT=${1:?usage: bash benchmarks/gpu_check.sh OUT_DIR [GROUP...]}
shift
METHOD_GROUPS=()
for f in benchmarks/gpu_check.d/*.sh; do
    [ -e "$f" ] && METHOD_GROUPS+=("$(basename "$f" .sh)")
done
GROUPS_TO_RUN=" ${*:-speed e2e semires ${METHOD_GROUPS[*]}} "
mkdir -p "$OUT/e2e"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY=${PYTHON:-python}
failed=()

step() {  # step NAME SECONDS COMMAND...
    local name=$1 limit=$2
    shift 2
    echo "== $name ($(date +%T))"
    if ! timeout "$limit" "$@"; then
        echo "FAILED: $name"
        failed+=("$name")
    fi
}

speed() {  # speed NAME CONFIG ARGS...
    local name=$1
    shift
    step "speed $name" 240 "$PY" benchmarks/model_speed.py "$@" --device cuda \
        --out "$OUT/speed_$name.json"
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$PY" -c "import torch, transformers, timm, mmengine; print('torch', torch.__version__, \
'transformers', transformers.__version__, 'timm', timm.__version__, 'mmengine', \
mmengine.__version__)"

runs() { [[ $GROUPS_TO_RUN == *" $1 "* ]]; }

if runs speed; then
LAVT=configs/lavt/lavt_swin-b-bert_4xb8-40e_refcoco.py
SEQTR=configs/seqtr/segm_refcoco.py
speed lavt_refcoco_fp32 "$LAVT" --batch 8
speed lavt_refcoco_fp16 "$LAVT" --batch 8 --amp float16
speed seqtr_refcoco_fp32 "$SEQTR" --batch 128 --iters 5
speed seqtr_refcoco_fp16 "$SEQTR" --batch 128 --iters 5 --amp float16
SEMI=configs/semires/semires_lavt_swin-b-bert_4xb6-40e_refcoco-1pct-cpi.py
speed semires_cpi_refcoco_fp32 "$SEMI" --batch 6
speed semires_cpi_refcoco_fp16 "$SEMI" --batch 6 --amp float16
fi

E2E=$OUT/e2e
if runs e2e; then
TINY=configs/lavt/lavt_tiny_synthref.py
step "e2e lavt train --amp" 240 "$PY" tools/train.py "$TINY" --amp --work-dir "$E2E/lavt"
step "e2e lavt test" 120 "$PY" tools/test.py "$TINY" "$E2E/lavt/epoch_2.pth" \
    --work-dir "$E2E/lavt_test"
step "e2e lavt resume --amp" 240 "$PY" tools/train.py "$TINY" --amp --work-dir "$E2E/lavt" \
    --resume --cfg-options train_cfg.max_epochs=3
SEQ=configs/seqtr/segm_synthref.py
step "e2e seqtr train --amp ema" 240 "$PY" tools/train.py "$SEQ" --amp --work-dir "$E2E/seqtr" \
    --cfg-options ema=True train_cfg.max_epochs=1 train_cfg.val_interval=1 \
    default_hooks.checkpoint.interval=1
step "e2e seqtr test" 120 "$PY" tools/test.py "$SEQ" "$E2E/seqtr/epoch_1.pth" \
    --work-dir "$E2E/seqtr_test"
fi

if runs semires; then
BURN=configs/semires/lavt_tiny_synthref-1pct-burnin.py
CPI=configs/semires/semires_tiny_synthref-1pct-cpi.py
# 3 CPI epochs in all, so that the run resumed from epoch 2 follows the same poly schedule
CPI_SHORT=(train_cfg.max_epochs=2 param_scheduler.0.end=3
           "model.burn_in_checkpoint=$E2E/burnin/epoch_20.pth")
step "e2e semires proposals" 240 "$PY" tools/generate_pseudo_labels.py \
    configs/semires/synth_proposals_synthref.py --out data/synthref/proposals
step "e2e semires burn-in --amp" 240 "$PY" tools/train.py "$BURN" --amp \
    --work-dir "$E2E/burnin" --cfg-options train_cfg.max_epochs=20 param_scheduler.0.end=20
step "e2e semires cpi --amp" 300 "$PY" tools/train.py "$CPI" --amp --work-dir "$E2E/semires" \
    --cfg-options "${CPI_SHORT[@]}"
step "e2e semires cpi resume --amp" 240 "$PY" tools/train.py "$CPI" --amp \
    --work-dir "$E2E/semires" --resume --cfg-options "${CPI_SHORT[@]}" train_cfg.max_epochs=3
step "e2e semires test" 120 "$PY" tools/test.py "$CPI" "$E2E/semires/epoch_3.pth" \
    --work-dir "$E2E/semires_test"
step "e2e semires ddp nccl" 240 "$PY" -m torch.distributed.run \
    --nproc_per_node "$("$PY" -c 'import torch; print(torch.cuda.device_count())')" \
    tools/train.py "$CPI" --launcher pytorch --amp --work-dir "$E2E/semires_ddp" \
    --cfg-options "${CPI_SHORT[@]}" train_cfg.max_epochs=1 train_dataloader.sampler.epoch_length=50
fi

# Each method group file runs its steps when its name was asked for (it may use step, speed,
# runs, $PY, $OUT and $E2E).
for group in "${METHOD_GROUPS[@]}"; do
    # shellcheck source=/dev/null
    runs "$group" && source "benchmarks/gpu_check.d/$group.sh"
done

if [ ${#failed[@]} -gt 0 ]; then
    printf 'failed steps: %s\n' "${failed[*]}"
    exit 1
fi
echo "all steps passed"
