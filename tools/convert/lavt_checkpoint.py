"""Convert an official LAVT or SemiRES checkpoint to risseg's LAVTSegmentor / SemiRESSegmentor.

Usage:
    python tools/convert/lavt_checkpoint.py refcoco.pth lavt_refcoco_risseg.pth
    # SemiRES (nini0919/SemiRES): the kept teacher, as a LAVT model or as a teacher-student pair
    python tools/convert/lavt_checkpoint.py model_best_ID.pth semires_lavt.pth
    python tools/convert/lavt_checkpoint.py teacher_model_latest_ID.pth semires.pth \
        --layout semires --student student_model_latest_ID.pth

The official LAVT file is ``{'model': ..., 'bert_model': ..., 'optimizer': ..., 'epoch': ...,
'args': ...}`` (``lavt``) or has the BERT inside ``model`` under ``text_encoder.*``
(``lavt_one``). SemiRES saves its teacher (``model_best_<id>.pth``,
``teacher_model_latest_<id>.pth``), its student (``student_model_latest_<id>.pth``) and its
burn-in in exactly this layout, with LAVT's module names, so the same renaming applies.
``--layout lavt`` (default) writes a ``LAVTSegmentor`` state dict (``load_from`` of a LAVT
config, or ``model.burn_in_checkpoint`` of a SemiRES one); ``--layout semires`` writes a
``SemiRESSegmentor`` one (``teacher.*`` from SRC, ``student.*`` from ``--student`` or SRC) for
``tools/test.py`` with a SemiRES config. The output is an mmengine checkpoint
``{'state_dict': ..., 'meta': ...}``.
"""

from __future__ import annotations

import argparse
import re

from risseg.engine.checkpoint_convert import (
    add_prefix,
    load_official_checkpoint,
    save_converted_checkpoint,
)

# official name inside backbone.layers.i.<...>  ->  risseg name (i is filled in)
_STAGE_RULES = (
    (r"fusion\.vis_project\.0\.", "pwams.{i}.vis_proj.0."),
    (r"fusion\.image_lang_att\.f_query\.0\.", "pwams.{i}.attention.query."),
    (r"fusion\.image_lang_att\.f_key\.0\.", "pwams.{i}.attention.key."),
    (r"fusion\.image_lang_att\.f_value\.0\.", "pwams.{i}.attention.value."),
    (r"fusion\.image_lang_att\.W\.0\.", "pwams.{i}.attention.out."),
    (r"fusion\.project_mm\.0\.", "pwams.{i}.mm_proj.0."),
    (r"res_gate\.0\.", "gates.{i}.fc1."),
    (r"res_gate\.2\.", "gates.{i}.fc2."),
)
# SimpleDecoding: conv{a}_{s} / bn{a}_{s} -> fuse{s}.{a-1}.{0 conv | 1 bn}; conv1_1 -> cls
_DECODER = re.compile(r"^classifier\.(conv|bn)([12])_([234])\.")
_SKIP = ("relative_position_index", "attn_mask")


def _convert_backbone_key(key: str) -> str | None:
    """Map one ``backbone.*`` key (without the prefix); None drops it."""
    if any(s in key for s in _SKIP):
        return None
    m = re.match(r"^norm(\d)\.(.*)$", key)
    if m:
        return f"out_norms.{m[1]}.{m[2]}"
    m = re.match(r"^layers\.(\d+)\.(.*)$", key)
    if m is None:
        return key  # patch_embed.*
    i, rest = int(m[1]), m[2]
    if rest.startswith("downsample."):
        return f"layers.{i + 1}.{rest}"
    if rest.startswith("blocks."):
        return key
    for pattern, target in _STAGE_RULES:
        if re.match(pattern, rest):
            return re.sub(f"^{pattern}", target.format(i=i), rest)
    raise KeyError(f"Unknown LAVT backbone key: backbone.{key}")


def _convert_model_key(key: str) -> str | None:
    """Map one key of the official ``model`` dict; None drops it."""
    key = key.removeprefix("module.")
    if key.startswith("backbone."):
        new = _convert_backbone_key(key[len("backbone.") :])
        return None if new is None else f"backbone.{new}"
    if key.startswith("classifier."):
        m = _DECODER.match(key)
        if m:
            kind, a, s = m[1], int(m[2]), m[3]
            return f"head.fuse{s}.{a - 1}.{0 if kind == 'conv' else 1}." + key[m.end() :]
        if key.startswith("classifier.conv1_1."):
            return "head.cls." + key[len("classifier.conv1_1.") :]
        raise KeyError(f"Unknown LAVT decoder key: {key}")
    if key.startswith("text_encoder."):  # lavt_one keeps BERT inside the model
        if key.startswith("text_encoder.pooler."):
            return None
        return "text_encoder.bert." + key[len("text_encoder.") :]
    raise KeyError(f"Unknown LAVT key: {key}")


def convert_lavt_checkpoint(ckpt: dict) -> dict:
    """Rename an official LAVT checkpoint's tensors to ``LAVTSegmentor`` names.

    Args:
        ckpt: the loaded official file: ``{'model': {...}, 'bert_model': {...}, ...}``.

    Returns:
        A state dict for ``LAVTSegmentor`` (backbone.*, text_encoder.bert.*, head.*).
    """
    if "model" not in ckpt:
        raise KeyError(f"Not an official LAVT checkpoint: top-level keys {sorted(ckpt)[:8]}.")
    out = {}
    for k, v in ckpt["model"].items():
        new = _convert_model_key(k)
        if new is not None:
            out[new] = v
    for k, v in (ckpt.get("bert_model") or {}).items():
        k = k.removeprefix("module.")
        if not k.startswith("pooler."):
            out[f"text_encoder.bert.{k}"] = v
    if not any(k.startswith("text_encoder.") for k in out):
        raise KeyError("The checkpoint holds no BERT weights ('bert_model' or text_encoder.*).")
    return out


def semires_state(teacher: dict, student: dict | None = None) -> dict:
    """A ``SemiRESSegmentor`` state dict from official SemiRES (LAVT-layout) checkpoints.

    Args:
        teacher: the loaded teacher file (``model_best_<id>.pth`` or
            ``teacher_model_latest_<id>.pth``).
        student: the loaded ``student_model_latest_<id>.pth``; None copies the teacher (as
            SemiRES starts both from its burn-in).

    Returns:
        ``teacher.*`` and ``student.*`` keys, each a converted ``LAVTSegmentor`` state dict.
    """
    teacher_state = convert_lavt_checkpoint(teacher)
    student_state = teacher_state if student is None else convert_lavt_checkpoint(student)
    return {**add_prefix(teacher_state, "teacher."), **add_prefix(student_state, "student.")}


def _load(path: str) -> dict:
    # The official files also pickle their argparse.Namespace: allow exactly that class.
    return load_official_checkpoint(path, safe_globals=[argparse.Namespace])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="official LAVT or SemiRES checkpoint (.pth)")
    parser.add_argument("dst", help="output mmengine checkpoint (.pth)")
    parser.add_argument(
        "--layout",
        choices=("lavt", "semires"),
        default="lavt",
        help="LAVTSegmentor (default) or SemiRESSegmentor (teacher + student)",
    )
    parser.add_argument(
        "--student",
        help="--layout semires: the official student file "
        "(default: the teacher's weights for both)",
    )
    args = parser.parse_args()
    if args.student and args.layout != "semires":
        parser.error("--student needs --layout semires")
    if args.layout == "lavt":
        state = convert_lavt_checkpoint(_load(args.src))
    else:
        state = semires_state(_load(args.src), _load(args.student) if args.student else None)
    meta = dict(converted_from=args.src, layout=args.layout)
    if args.student:
        meta["student_from"] = args.student
    save_converted_checkpoint(state, args.dst, **meta)


if __name__ == "__main__":
    main()
