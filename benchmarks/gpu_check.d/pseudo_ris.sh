# Pseudo-RIS group of benchmarks/gpu_check.sh (sourced there: step, speed, $PY, $OUT).
# 1. LAVT on pseudo pairs, RefCOCO size (random weights): training/inference speed and memory,
#    fp32 and fp16 autocast (the network is LAVT's; the data are the pseudo REFER files).
# 2. Caption candidates at paper scale with random weights: CoCa ViT-L/14 on CUDA, one 640x480
#    image with 8 masks, 44 candidates per mask with distinctive sampling (and without),
#    seconds and peak memory -> $OUT/pseudo_ris_captions.json.
# 3. If work_dirs/pseudo_ris/synthref/refer exists (tools/pseudo_ris/generate.py on the
#    SynthRef stand-ins): the toy LAVT trained on it for one epoch with --amp, then resumed.
PSEUDO_LAVT=configs/pseudo_ris/lavt_swin-b-bert_4xb8-40e_pseudo-refcocoplus_refcoco.py
speed pseudo_ris_lavt_fp32 "$PSEUDO_LAVT"
speed pseudo_ris_lavt_fp16 "$PSEUDO_LAVT" --amp float16
step "pseudo_ris captions" 300 "$PY" - "$OUT/pseudo_ris_captions.json" <<'PYEOF'
import json, sys, time
import numpy as np, torch
from risseg.foundation import OpenCoCaCaptioner
from risseg.pseudo_ris import CaptionCandidates
coca = OpenCoCaCaptioner("coca_ViT-L-14", None, device="cuda")
rng = np.random.default_rng(0)
image = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
masks = np.zeros((8, 480, 640), bool)
for i in range(8):
    masks[i, 40 * i : 40 * i + 120, 60 * i : 60 * i + 150] = True
out = {}
for distinctive in (True, False):
    torch.cuda.reset_peak_memory_stats()
    cands = CaptionCandidates(coca, distinctive=distinctive)
    start = time.perf_counter()
    with torch.autocast("cuda", dtype=torch.float16):
        caps = cands(image, masks)
    torch.cuda.synchronize()
    out["distinctive" if distinctive else "plain"] = dict(
        seconds=time.perf_counter() - start,
        peak_mib=torch.cuda.max_memory_allocated() / 2**20,
        candidates=[len(c) for c in caps],
    )
print(json.dumps(out))
json.dump(out, open(sys.argv[1], "w"), indent=1)
PYEOF
if [ -d work_dirs/pseudo_ris/synthref/refer ]; then
    PSEUDO_TOY=configs/pseudo_ris/lavt_tiny_synthref_pseudo.py
    step "pseudo_ris toy amp" 300 "$PY" tools/train.py "$PSEUDO_TOY" --amp \
        --work-dir "$OUT/e2e/pseudo_ris_toy" --cfg-options max_epochs=1 train_cfg.max_epochs=1
    step "pseudo_ris toy resume" 300 "$PY" tools/train.py "$PSEUDO_TOY" --amp --resume \
        --work-dir "$OUT/e2e/pseudo_ris_toy" --cfg-options train_cfg.max_epochs=2
else
    echo "pseudo_ris: no work_dirs/pseudo_ris/synthref/refer, toy training skipped"
fi
