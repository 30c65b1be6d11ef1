"""Which input size lets the SynthRef stand-in CLIP localise? (TRIS stage-1 input size, CPU)

A training-free probe: the stand-in CLIP's C4 map at input size S, passed per position through
the value and output projections of its attention pool (as MaskCLIP does), is compared with the
CLIP sentence feature; the share of val samples whose peak lies inside the GT mask (PointM) is
printed per S. No TRIS training is involved: it measures what the frozen towers can give at a
C4 grid of S / 32.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/tris_scale_probe.py --sizes 128 256 384 --num-val 300
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

STAGE1 = "configs/tris/tris_stage1_standin-clip_1xb16-3e_synthref.py"
CLIP = "work_dirs/standins/clip"


def dense_features(visual, x: torch.Tensor) -> torch.Tensor:
    """(1, h, w, D) per-position CLIP embeddings of a ModifiedResNet for images (1, 3, H, W)."""
    x = visual.stem(x) if hasattr(visual, "stem") else _stem(visual, x)
    x = visual.layer4(visual.layer3(visual.layer2(visual.layer1(x))))
    pool = visual.attnpool
    f = x.permute(0, 2, 3, 1)
    return F.linear(F.linear(f, pool.v_proj.weight, pool.v_proj.bias), pool.c_proj.weight,
                    pool.c_proj.bias)  # fmt: skip


def _stem(v, x: torch.Tensor) -> torch.Tensor:
    x = v.act1(v.bn1(v.conv1(x)))
    x = v.act2(v.bn2(v.conv2(x)))
    return v.avgpool(v.act3(v.bn3(v.conv3(x))))


def probe(size: int, num_val: int) -> float:
    """PointM (x100) of the dense stand-in CLIP response on the first ``num_val`` val samples."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import risseg.datasets  # noqa: F401
    import risseg.models  # noqa: F401
    from risseg.evaluation.metrics.ref_seg_metric import _mask_tensor
    from risseg.foundation.clip_scorers import build_open_clip
    from risseg.registry import DATASETS, MODELS

    cfg = Config.fromfile(STAGE1)
    init_default_scope("risseg")
    clip, transform, tokenizer = build_open_clip(
        "synthref-clip-rn", f"{CLIP}/open_clip_model.safetensors",
        model_config=f"{CLIP}/open_clip_config.json",
    )  # fmt: skip
    norm = next(t for t in transform.transforms if type(t).__name__ == "Normalize")
    mean, std = (torch.tensor(v)[:, None, None] for v in (norm.mean, norm.std))
    pre = MODELS.build(cfg.model.data_preprocessor)
    data_cfg = cfg.val_dataloader.dataset
    for t in data_cfg.pipeline:
        if t["type"] == "Resize":
            t["scale"] = (size, size)
    data_cfg.indices = num_val
    dataset = DATASETS.build(data_cfg)
    hits = 0
    for i in range(len(dataset)):
        item = dataset[i]
        data = pre(dict(inputs=[item["inputs"]], data_samples=[item["data_samples"]]), False)
        image = ((data["inputs"] * pre.std + pre.mean) / 255.0 - mean) / std
        with torch.no_grad():
            dense = F.normalize(dense_features(clip.visual, image), dim=-1)[0]
            text = clip.encode_text(tokenizer([item["data_samples"].metainfo["text"]]))
            sim = dense @ F.normalize(text, dim=-1)[0]  # (h, w)
        gt = _mask_tensor(data["data_samples"][0].get("gt_mask"))
        sim = F.interpolate(sim[None, None], size=gt.shape, mode="bilinear")[0, 0]
        y, x = divmod(int(sim.argmax()), sim.shape[-1])
        hits += bool(gt[y, x])
    return 100 * hits / len(dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 384])
    parser.add_argument("--num-val", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("| input size | C4 grid | val PointM (dense stand-in CLIP, no training) |")
    print("|---|---|---|")
    for size in args.sizes:
        print(f"| {size} | {size // 32} x {size // 32} | {probe(size, args.num_val):.1f} |")


if __name__ == "__main__":
    main()
