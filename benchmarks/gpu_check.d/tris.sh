# TRIS group of benchmarks/gpu_check.sh (sourced there: step, $PY, $OUT).
# Stage 1 at RefCOCO size with random weights (CLIP RN50 towers, frozen CLIP ViT-B/32 scorer):
# batch 48 of 320x320 with 3 negatives each, a few AdamW steps in fp32 and with fp16 autocast,
# then inference; seconds per step and peak memory -> $OUT/tris_stage1_*.json.
# TRIS_TINY=1 runs the same code on the tiny CLIP-RN on the CPU (a check of the script).
for amp in fp32 fp16; do
step "tris stage1 $amp" 300 "$PY" - "$amp" "$OUT/tris_stage1_$amp.json" <<'PYEOF'
import json, os, sys, time
import torch
from risseg.registry import MODELS
from risseg.testing.tris import tiny_localizer_cfg, tris_samples
tiny = os.environ.get("TRIS_TINY") == "1"
dev = "cpu" if tiny else "cuda"
if tiny:
    cfg, batch, size, iters = tiny_localizer_cfg(), 4, 64, 2
else:
    clip = dict(model_name="RN50-quickgelu", checkpoint=None)
    scorer = dict(type="OpenCLIPScorer", model_name="ViT-B-32-quickgelu", checkpoint=None)
    cfg = dict(type="TRISLocalizer", backbone=dict(type="OpenCLIPResNet", **clip),
               text_encoder=dict(type="OpenCLIPTextEncoder", context_length=20, **clip),
               fg_loss=dict(type="CLIPForegroundLoss", scorer=scorer))
    batch, size, iters = 48, 320, 5
model = MODELS.build(cfg).to(dev).train()
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)
texts = [f"the {c} object number {i}" for i, c in enumerate(["red", "blue", "green"] * 16)]
samples = tris_samples(texts[:batch], size=size, max_length=20 if not tiny else 8)
x = torch.randn(batch, 3, size, size, device=dev)
use_amp = sys.argv[1] == "fp16" and not tiny
if dev == "cuda":
    torch.cuda.reset_peak_memory_stats()
times = []
for _ in range(iters):
    start = time.perf_counter()
    with torch.autocast(dev, dtype=torch.float16, enabled=use_amp):
        loss = sum(model(x, samples, mode="loss").values())
    opt.zero_grad()
    loss.backward()
    opt.step()
    if dev == "cuda":
        torch.cuda.synchronize()
    times.append(time.perf_counter() - start)
model.eval()
with torch.no_grad(), torch.autocast(dev, dtype=torch.float16, enabled=use_amp):
    start = time.perf_counter()
    out = model(x, samples, mode="predict")
    predict_s = time.perf_counter() - start
peak = torch.cuda.max_memory_allocated() / 2**20 if dev == "cuda" else None
res = dict(amp=sys.argv[1], batch=batch, size=size, step_s=min(times[1:] or times),
           predict_s=predict_s, peak_mib=peak, loss=float(loss))
print(json.dumps(res))
json.dump(res, open(sys.argv[2], "w"), indent=1)
PYEOF
done

# Stage 2 at RefCOCO size with random weights (CLIP RN50 towers, pixel-word attention, FPN
# decoder with four deep-supervision outputs): batch 48 of 320x320, fp32 and fp16 autocast.
S2=configs/tris/tris_stage2_clip-rn50_1xb48-15e_refcoco.py
S2_RANDOM=(model.backbone.checkpoint=None model.text_encoder.checkpoint=None)
speed tris_stage2_refcoco_fp32 "$S2" --batch 48 --iters 5 --cfg-options "${S2_RANDOM[@]}"
speed tris_stage2_refcoco_fp16 "$S2" --batch 48 --iters 5 --amp float16 \
    --cfg-options "${S2_RANDOM[@]}"
# Stage 2 end to end on SynthRef (GT masks; the stand-in CLIP's architecture with random
# weights, so no stand-in files are needed): 1 epoch with --amp, resumed to 2, tested, then one
# epoch under torchrun with NCCL (one process per GPU). 1600 train refs = 100 iterations.
S2S=configs/tris/tris_stage2_standin-clip_1xb16-6e_synthref.py
"$PY" -c "import json, sys; from risseg.standins.clip import MODEL_CFG; \
json.dump(MODEL_CFG, open(sys.argv[1], 'w'))" "$E2E/synthref_clip_rn.json"
S2S_OPTS=(model.backbone.checkpoint=None model.text_encoder.checkpoint=None
    "model.backbone.model_config=$E2E/synthref_clip_rn.json"
    "model.text_encoder.model_config=$E2E/synthref_clip_rn.json"
    train_dataloader.dataset.indices=1600 param_scheduler.0.end=2)
step "e2e tris stage2 train --amp" 300 "$PY" tools/train.py "$S2S" --amp \
    --work-dir "$E2E/tris_stage2" --cfg-options "${S2S_OPTS[@]}" train_cfg.max_epochs=1
step "e2e tris stage2 resume --amp" 300 "$PY" tools/train.py "$S2S" --amp \
    --work-dir "$E2E/tris_stage2" --resume --cfg-options "${S2S_OPTS[@]}" train_cfg.max_epochs=2
step "e2e tris stage2 test" 120 "$PY" tools/test.py "$S2S" "$E2E/tris_stage2/epoch_2.pth" \
    --work-dir "$E2E/tris_stage2_test" --cfg-options "${S2S_OPTS[@]}"
step "e2e tris stage2 ddp nccl" 300 "$PY" -m torch.distributed.run \
    --nproc_per_node "$("$PY" -c 'import torch; print(torch.cuda.device_count())')" \
    tools/train.py "$S2S" --launcher pytorch --amp --work-dir "$E2E/tris_stage2_ddp" \
    --cfg-options "${S2S_OPTS[@]}" train_cfg.max_epochs=1
