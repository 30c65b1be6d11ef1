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
