# S+S+C group of benchmarks/gpu_check.sh (sourced there: step, $PY, $OUT, $E2E).
# 1. Correct at RefCOCO size with random weights (Swin-B + BERT-base LAVT, 480x480, 15 items
#    of 5 images, 3 candidates each): seconds per greedy_ce / random_ce training step with
#    fp16 autocast, and peak memory -> $OUT/ssc_correct_speed.json.
# 2. The toy SynthRef Correct end to end on hand-made candidates (every GT mask of a ref's
#    image; no stand-ins needed): random_ce --amp one epoch, resumed to two, greedy_ce --amp
#    from it, tested, then one greedy_ce epoch under torchrun (NCCL, one process per GPU).
SSC_DIR=$OUT/e2e/ssc
mkdir -p "$SSC_DIR"
step "ssc correct speed refcoco" 300 "$PY" - "$OUT/ssc_correct_speed.json" <<'PYEOF'
import json, sys, time
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from risseg.registry import MODELS
from risseg.structures import RISDataSample
from risseg.testing import drop_missing_checkpoints
import risseg.models.segmentors.ssc  # noqa: F401
cfg = Config.fromfile("configs/ssc/lavt_swin-b-bert_4xb15-40e_refcoco-greedy-ce.py")
model_cfg = cfg.model.to_dict()
drop_missing_checkpoints(model_cfg)
out = {}
for mode in ("greedy_ce", "random_ce"):
    model_cfg["train_cfg"] = dict(loss_mode=mode)
    model = MODELS.build(model_cfg).cuda().train()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
    g = torch.Generator().manual_seed(0)
    samples = []
    for i in range(15):
        s = RISDataSample(metainfo=dict(image_id=i // 3, ref_id=i, img_shape=(480, 480),
                                        pad_shape=(480, 480), ori_shape=(480, 480)))
        s.text_ids = torch.randint(1000, 2000, (20,), generator=g)
        s.text_mask = torch.ones(20, dtype=torch.bool)
        s.pseudo_instances = PixelData(data=torch.rand(3, 480, 480, generator=g) > 0.7)
        samples.append(s)
    images = torch.randn(15, 3, 480, 480, device="cuda")
    torch.cuda.reset_peak_memory_stats()
    times = []
    for it in range(6):
        torch.cuda.synchronize(); start = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.float16):
            loss = sum(v for k, v in model(images, samples, mode="loss").items() if k.startswith("loss"))
        opt.zero_grad(); loss.backward(); opt.step()
        torch.cuda.synchronize(); times.append(time.perf_counter() - start)
    out[mode] = dict(s_per_step=sum(times[2:]) / 4, peak_mib=torch.cuda.max_memory_allocated() / 2**20,
                     items_per_step=15)
    del model, opt
print(json.dumps(out))
json.dump(out, open(sys.argv[1], "w"), indent=1)
PYEOF
step "ssc candidates" 120 "$PY" - "$SSC_DIR" <<'PYEOF'
import json, sys
import numpy as np
from risseg.datasets import SynthRefDataset
from risseg.utils.masks import mask_to_rle, segmentation_to_mask
ds = SynthRefDataset("data/synthref", preset="default", seed=0, split="train", lazy_init=False)
infos = [ds.get_data_info(i) for i in range(len(ds))]
by_image = {}
for e in infos:
    m = segmentation_to_mask(e["segmentation"], e["height"], e["width"]).astype(bool)
    by_image.setdefault(e["image_id"], []).append(mask_to_rle(m))
seg = {str(e["ref_id"]): by_image[e["image_id"]] for e in infos}
json.dump(seg, open(f"{sys.argv[1]}/segment.json", "w"))
json.dump({k: v[0] for k, v in seg.items()}, open(f"{sys.argv[1]}/select.json", "w"))
PYEOF
SSC_RANDOM=configs/ssc/lavt_tiny_synthref-random-ce.py
SSC_GREEDY=configs/ssc/lavt_tiny_synthref-greedy-ce.py
SSC_SEL=(train_dataloader.dataset.pipeline.5.ann_file="$SSC_DIR/select.json"
         param_scheduler.0.end=2 train_cfg.val_interval=1 default_hooks.checkpoint.interval=1)
SSC_SEG=(train_dataloader.dataset.pipeline.5.ann_file="$SSC_DIR/segment.json"
         param_scheduler.0.end=1 train_cfg.max_epochs=1 train_cfg.val_interval=1
         default_hooks.checkpoint.interval=1 load_from="$SSC_DIR/random/epoch_2.pth")
step "ssc random_ce --amp" 300 "$PY" tools/train.py "$SSC_RANDOM" --amp \
    --work-dir "$SSC_DIR/random" --cfg-options "${SSC_SEL[@]}" train_cfg.max_epochs=1
step "ssc random_ce resume --amp" 300 "$PY" tools/train.py "$SSC_RANDOM" --amp --resume \
    --work-dir "$SSC_DIR/random" --cfg-options "${SSC_SEL[@]}" train_cfg.max_epochs=2
step "ssc greedy_ce --amp" 300 "$PY" tools/train.py "$SSC_GREEDY" --amp \
    --work-dir "$SSC_DIR/greedy" --cfg-options "${SSC_SEG[@]}"
step "ssc test" 120 "$PY" tools/test.py "$SSC_GREEDY" "$SSC_DIR/greedy/epoch_1.pth" \
    --work-dir "$SSC_DIR/greedy_test"
step "ssc greedy_ce ddp nccl" 300 "$PY" -m torch.distributed.run \
    --nproc_per_node "$("$PY" -c 'import torch; print(torch.cuda.device_count())')" \
    tools/train.py "$SSC_GREEDY" --launcher pytorch --amp --work-dir "$SSC_DIR/greedy_ddp" \
    --cfg-options "${SSC_SEG[@]}"
