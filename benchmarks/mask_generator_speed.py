"""CPU speed and memory of the mask generators, tiny and real architectures, random weights.

For each generator: parameters, parameter memory (fp32), the process's peak RSS after the run,
and the wall time of one box-prompted ``predict`` (image encoding + 1 box) and, for the tiny
models, of ``generate`` (automatic mode, 4x4 points). SAM 3: one ``segment`` with 1 phrase.
Real architectures are the official model sizes built from their default configs with random
weights (nothing is downloaded); their numbers are the cost of the architecture, not of its
masks.

    OMP_NUM_THREADS=1 python benchmarks/mask_generator_speed.py            # tiny models
    OMP_NUM_THREADS=1 python benchmarks/mask_generator_speed.py --real sam_vit_b hf_sam2_tiny
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import torch

from risseg.foundation import (
    HFSam2Generator,
    HFSam3Generator,
    HFSamGenerator,
    SegmentAnythingGenerator,
)
from risseg.testing import tiny_sam

LOOSE_SA = dict(points_per_side=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)
LOOSE_HF = dict(points_per_crop=4, pred_iou_thresh=0.0, stability_score_thresh=0.0)


def _sa_real(kind: str):
    from segment_anything import sam_model_registry

    return SegmentAnythingGenerator(sam=sam_model_registry[kind](checkpoint=None))


def _hf_real(name: str):
    import transformers

    if name == "hf_sam_vit_h":
        cfg = transformers.SamConfig(
            vision_config=dict(
                hidden_size=1280,
                num_hidden_layers=32,
                num_attention_heads=16,
                global_attn_indexes=[7, 15, 23, 31],
            )
        )
        return HFSamGenerator(
            transformers.SamModel(cfg), transformers.SamProcessor(transformers.SamImageProcessor())
        )
    if name == "hf_sam2_tiny":  # Sam2Config's defaults are SAM 2.1 Hiera-T
        return HFSam2Generator(
            transformers.Sam2Model(transformers.Sam2Config()),
            transformers.Sam2Processor(transformers.Sam2ImageProcessor()),
        )
    if name == "hf_sam3":  # Sam3Config's defaults are facebook/sam3
        _, tiny_proc = tiny_sam.tiny_hf_sam3()
        processor = transformers.Sam3Processor(
            transformers.Sam3ImageProcessor(), tiny_proc.tokenizer
        )
        return HFSam3Generator(transformers.Sam3Model(transformers.Sam3Config()), processor)
    raise KeyError(name)


BUILDERS = {
    "tiny_segment_anything": lambda: SegmentAnythingGenerator(
        sam=tiny_sam.tiny_segment_anything(), amg_cfg=LOOSE_SA
    ),
    "tiny_hf_sam": lambda: HFSamGenerator(*tiny_sam.tiny_hf_sam(), amg_cfg=LOOSE_HF),
    "tiny_hf_sam2": lambda: HFSam2Generator(*tiny_sam.tiny_hf_sam2(), amg_cfg=LOOSE_HF),
    "tiny_hf_sam3": lambda: HFSam3Generator(*tiny_sam.tiny_hf_sam3(), score_thresh=0.0),
    "sam_vit_b": lambda: _sa_real("vit_b"),
    "sam_vit_h": lambda: _sa_real("vit_h"),
    "hf_sam_vit_h": lambda: _hf_real("hf_sam_vit_h"),
    "hf_sam2_tiny": lambda: _hf_real("hf_sam2_tiny"),
    "hf_sam3": lambda: _hf_real("hf_sam3"),
}


def measure(name: str, size: tuple[int, int]) -> dict:
    """Build one generator and time its calls on a random (H, W, 3) image."""
    torch.manual_seed(0)
    t0 = time.perf_counter()
    gen = BUILDERS[name]()
    row = dict(name=name, build_s=round(time.perf_counter() - t0, 2))
    params = sum(p.numel() for p in gen.parameters())
    row.update(params_m=round(params / 1e6, 2), param_mb=round(params * 4 / 2**20, 1))
    image = np.random.default_rng(0).integers(0, 256, (*size, 3), dtype=np.uint8)
    h, w = size
    t0 = time.perf_counter()
    if isinstance(gen, HFSam3Generator):
        gen.segment(image, ["a red car"])
        row["segment_1_phrase_s"] = round(time.perf_counter() - t0, 3)
    else:
        gen.predict(image, boxes=torch.tensor([[w / 4, h / 4, w / 2, h / 2]]))
        row["predict_1_box_s"] = round(time.perf_counter() - t0, 3)
        if name.startswith("tiny"):
            t0 = time.perf_counter()
            gen.generate(image)
            row["generate_4x4_s"] = round(time.perf_counter() - t0, 3)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", nargs="*", default=None, help="real architectures to time")
    parser.add_argument("--size", type=int, nargs=2, default=(480, 640), help="image H W")
    args = parser.parse_args()
    names = [n for n in BUILDERS if n.startswith("tiny")] if args.real is None else args.real
    print(f"torch threads {torch.get_num_threads()}, image {args.size[0]}x{args.size[1]}")
    for name in names:  # one process per real model gives its own peak RSS; see the docstring
        print(json.dumps(measure(name, tuple(args.size))), flush=True)


if __name__ == "__main__":
    main()
