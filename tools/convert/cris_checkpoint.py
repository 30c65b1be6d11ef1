"""Convert an official CRIS checkpoint (DerrickWang005/CRIS.pytorch) to risseg's ``CRIS``.

Usage:
    python tools/convert/cris_checkpoint.py best_model.pth cris_refcoco_risseg.pth \
        [--context-length 17]

The official file is ``{'state_dict': ..., 'optimizer': ..., 'epoch': ..., ...}`` with the DDP
model's keys (``module.backbone.*``: the whole OpenAI CLIP with CRIS's attention-pool residual
``visual.attnpool.connect``; ``module.neck.*``; ``module.decoder.*``; ``module.proj.*``). The
text tower's positional embedding is cut to ``--context-length`` rows (17 RefCOCO/+, 22
RefCOCOg), as ``OpenCLIPTextEncoder(context_length=...)`` holds it; ``logit_scale`` is dropped.
The output is an mmengine checkpoint ``{'state_dict': ..., 'meta': ...}`` for ``load_from`` or
``tools/test.py``.
"""

from __future__ import annotations

import argparse
import re

from torch import Tensor

from risseg.engine.checkpoint_convert import load_official_checkpoint, save_converted_checkpoint

# CLIP stem: OpenAI name -> index in OpenCLIPResNet.stem
_STEM = {"conv1": 0, "bn1": 1, "conv2": 3, "bn2": 4, "conv3": 6, "bn3": 7}
_TEXT = ("token_embedding.", "transformer.", "ln_final.", "text_projection")
_NECK = {
    "txt_proj": "txt_proj",
    "f1_v_proj": "v5_proj",
    "norm_layer": "f5_norm",
    "f2_v_proj": "v4_proj",
    "f2_cat": "f4_cat",
    "f3_v_proj": "v3_proj",
    "f3_cat": "f3_cat",
    "f4_proj5": "out5",
    "f4_proj4": "out4",
    "f4_proj3": "out3",
    "aggr": "aggregate",
}


def _backbone_key(key: str) -> str | None:
    """Map a key of the official CLIP (without ``backbone.``); None drops it."""
    if key == "logit_scale":
        return None
    if key == "positional_embedding" or key.startswith(_TEXT):
        return f"text_encoder.{key}"
    m = re.match(r"^visual\.(conv[123]|bn[123])\.(.*)$", key)
    if m:
        return f"backbone.stem.{_STEM[m[1]]}.{m[2]}"
    m = re.match(r"^visual\.layer([1-4])\.(.*)$", key)
    if m:
        return f"backbone.layers.{int(m[1]) - 1}.{m[2]}"
    if key.startswith("visual.attnpool.connect."):
        return "backbone.attnpool.residual." + key[len("visual.attnpool.connect.") :]
    if key.startswith("visual.attnpool."):
        return "backbone.attnpool.pool." + key[len("visual.attnpool.") :]
    raise KeyError(f"Unknown CRIS backbone key: backbone.{key}")


def _neck_key(key: str) -> str:
    if key.startswith("coordconv.0.conv1."):
        return "neck.coord_conv." + key[len("coordconv.0.conv1.") :]
    if key.startswith("coordconv.1."):
        return "neck.refine." + key[len("coordconv.1.") :]
    head, rest = key.split(".", 1)
    if head not in _NECK:
        raise KeyError(f"Unknown CRIS neck key: neck.{key}")
    return f"neck.{_NECK[head]}.{rest}"


def convert_key(key: str) -> str | None:
    """risseg name of one official key (``module.`` prefix allowed); None drops it."""
    key = key.removeprefix("module.")
    part, rest = key.split(".", 1)
    if part == "backbone":
        return _backbone_key(rest)
    if part == "neck":
        return _neck_key(rest)
    if part == "decoder":
        rest = re.sub(r"^layers\.(\d+)\.multihead_attn\.", r"layers.\1.cross_attn.", rest)
        return f"head.decoder.{rest}"
    if part == "proj":
        return f"head.projector.{rest}"
    raise KeyError(f"Unknown CRIS key: {key}")


def convert_cris_checkpoint(state: dict[str, Tensor], context_length: int = 17) -> dict:
    """The risseg ``CRIS`` state dict of an official CRIS model state dict.

    Args:
        state: the official ``state_dict`` (with or without ``module.``).
        context_length: rows of the text positional embedding to keep.
    """
    out = {}
    for key, value in state.items():
        new = convert_key(key)
        if new is None:
            continue
        if new == "text_encoder.positional_embedding":
            if value.shape[0] < context_length:
                raise ValueError(
                    f"positional_embedding has {value.shape[0]} rows < {context_length}"
                )
            value = value[:context_length].clone()
        out[new] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="official CRIS checkpoint (.pth)")
    parser.add_argument("dst", help="output mmengine checkpoint (.pth)")
    parser.add_argument("--context-length", type=int, default=17, help="17 RefCOCO/+, 22 G-Ref")
    args = parser.parse_args()
    ckpt = load_official_checkpoint(args.src)
    if "state_dict" not in ckpt:
        raise KeyError(f"{args.src}: no 'state_dict' (keys: {sorted(ckpt)[:8]})")
    state = convert_cris_checkpoint(ckpt["state_dict"], args.context_length)
    save_converted_checkpoint(state, args.dst, converted_from=args.src)


if __name__ == "__main__":
    main()
