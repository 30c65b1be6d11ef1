"""Convert an official SeqTR / Partial-RES checkpoint to risseg's SeqTRSegmentor.

Usage:
    python tools/convert/seqtr_checkpoint.py segm_best.pth seqtr_refcoco_risseg.pth
    python tools/convert/seqtr_checkpoint.py segm_best.pth out.pth --ema \
        --token-to-ix data/annotations/refcoco-unc/token_to_ix.pkl \
        --vocab-out data/refcoco/seqtr_vocab.json

The official file (sean-zhuh/SeqTR, qumengxue/Partial-RES) is ``{'state_dict': ...,
'ema_state_dict': ..., 'optimizer': ..., 'scheduler': ..., 'epoch': ..., ...}`` with the
modules ``vis_enc`` (DarkNet-53), ``lan_enc`` (GloVe embedding + bi-GRU), ``fusion`` and
``head``. The word-embedding table is in the state dict (``lan_enc.embedding.weight``, one row
per vocabulary id); the vocabulary itself is not: SeqTR rebuilds it from the annotation file or
reads ``token_to_ix.pkl`` next to it, which ``--token-to-ix`` turns into risseg's JSON
vocabulary. The output is an mmengine checkpoint ``{'state_dict': ..., 'meta': ...}`` for
``load_from``; the printed ``vocab_size`` goes into ``model.text_encoder.vocab_size``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re

from torch import Tensor

from risseg.engine.checkpoint_convert import load_official_checkpoint, save_converted_checkpoint

# (official prefix pattern, risseg prefix); the first match wins, the rest of the key is kept
_RULES = (
    (r"vis_enc\.", "backbone."),
    (r"lan_enc\.embedding\.", "text_encoder.embed."),
    (r"lan_enc\.lstm\.", "text_encoder.gru."),
    (r"fusion\.down_bot2mid\.1\.", "neck.down1."),
    (r"fusion\.down_mid2top\.1\.", "neck.down2."),
    (r"fusion\.top_project\.(\d)\.", r"neck.out_conv.\1."),
    (r"head\.transformer\.encoder\.layers\.(\d+)\.linear1\.", r"head.encoder.\1.ffn.0."),
    (r"head\.transformer\.encoder\.layers\.(\d+)\.linear2\.", r"head.encoder.\1.ffn.3."),
    (r"head\.transformer\.encoder\.layers\.(\d+)\.(self_attn|norm\d)\.", r"head.encoder.\1.\2."),
    (r"head\.transformer\.decoder\.layers\.(\d+)\.linear1\.", r"head.decoder.\1.ffn.0."),
    (r"head\.transformer\.decoder\.layers\.(\d+)\.linear2\.", r"head.decoder.\1.ffn.3."),
    (
        r"head\.transformer\.decoder\.layers\.(\d+)\.multihead_attn\.",
        r"head.decoder.\1.cross_attn.",
    ),
    (r"head\.transformer\.decoder\.layers\.(\d+)\.point\.", r"head.decoder.\1.point_bias.mlp."),
    (r"head\.transformer\.decoder\.layers\.(\d+)\.(self_attn|norm\d)\.", r"head.decoder.\1.\2."),
    (r"head\.transformer\.decoder\.norm\.", "head.decoder_norm."),
    (r"head\.transformer\.seq_positional_encoding\.", "head.pos_1d."),
    (r"head\.transformer\.query_embedding\.", "head.token_embed."),
    (r"head\.transformer\.input_proj\.conv\.", "head.input_proj."),
    (r"head\.transformer\.input_proj\.gn\.", "head.input_norm."),
)
# LinearModule i (fc + ReLU) -> index 2i of risseg's nn.Sequential(Linear, ReLU, ...)
_PREDICTOR = re.compile(r"^head\.predictor\.(\d)\.fc\.")


def convert_key(key: str) -> str:
    """Map one official state-dict key to risseg's name.

    Raises:
        KeyError: a key risseg has no module for (e.g. the multi-task ``task_embedding``).
    """
    key = key.removeprefix("module.")
    if key == "head.transformer.task_prompt.weight":  # Partial-RES: nn.Embedding(1, d)
        return "head.task_prompt"
    m = _PREDICTOR.match(key)
    if m:
        return f"head.predictor.{2 * int(m[1])}." + key[m.end() :]
    for pattern, target in _RULES:
        new, n = re.subn(f"^{pattern}", target, key)
        if n:
            return new
    raise KeyError(f"Unknown SeqTR / Partial-RES key: {key}")


def point_rows(value: Tensor, key: str) -> Tensor:
    """Reorder the rows of the point-bias MLP's last layer (weight (4H, 64) or bias (4H,)).

    The release reads its 4H outputs as the H centres (x, y) of all heads, then their H
    scales: head h uses rows 2h, 2h + 1 (centre) and 2H + 2h, 2H + 2h + 1 (scale). risseg's
    :class:`PointGaussianBias` reads four rows per head, [cx, cy, sx, sy] at 4h .. 4h + 3.
    """
    rows = value.shape[0]
    if rows % 4:
        raise ValueError(f"{key}: expected 4 outputs per head, got {rows} rows")
    heads = rows // 4
    order = [
        2 * heads * part + 2 * h + axis for h in range(heads) for part in (0, 1) for axis in (0, 1)
    ]  # head h: centre x, y, then scale x, y
    return value[order]


_POINT_LAST = re.compile(r"^head\.decoder\.\d+\.point_bias\.mlp\.4\.(weight|bias)$")


def convert_seqtr_state_dict(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename an official state dict (``state_dict`` or ``ema_state_dict``) to risseg's.

    The input projection is a 1x1 ``Conv2d`` (256, C, 1, 1) in the release and a ``Conv1d``
    (256, C, 1) in risseg; its weight loses the last axis. The point-bias MLP's last layer
    has its output rows reordered (:func:`point_rows`).
    """
    out = {}
    for key, value in state.items():
        new = convert_key(key)
        if new == "head.input_proj.weight":
            if value.dim() != 4 or value.shape[-2:] != (1, 1):
                raise ValueError(
                    f"{key}: expected a (D, C, 1, 1) 1x1 conv, got {tuple(value.shape)}"
                )
            value = value[..., 0]  # (D, C, 1, 1) -> (D, C, 1)
        elif _POINT_LAST.match(new):
            value = point_rows(value, key)
        out[new] = value
    for needed in ("text_encoder.embed.weight", "head.token_embed.weight"):
        if needed not in out:
            raise KeyError(f"The state dict holds no {needed} (is this a SeqTR checkpoint?)")
    return out


def convert_seqtr_checkpoint(ckpt: dict, ema: bool = False) -> dict[str, Tensor]:
    """Pick ``state_dict`` (or ``ema_state_dict`` with ``ema``) and rename it.

    Args:
        ckpt: the loaded official file.
        ema: convert the EMA weights (SeqTR evaluates with and without EMA).

    Returns:
        A state dict for ``SeqTRSegmentor``.
    """
    name = "ema_state_dict" if ema else "state_dict"
    if name not in ckpt:
        raise KeyError(
            f"Not an official SeqTR checkpoint with {name!r}: top-level keys {sorted(ckpt)[:8]}."
        )
    return convert_seqtr_state_dict(ckpt[name])


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles builtin containers and scalars only (SeqTR's token_to_ix.pkl is a dict)."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a vocabulary pickle")


def load_token_to_ix(path: str) -> dict[str, int]:
    """Read SeqTR's ``token_to_ix.pkl`` ({word: id}, PAD 0, UNK 1, CLS 2)."""
    with open(path, "rb") as f:
        vocab = _PlainUnpickler(f).load()
    if not isinstance(vocab, dict) or vocab.get("PAD") != 0 or vocab.get("UNK") != 1:
        raise ValueError(f"{path}: expected SeqTR's {{word: id}} dict with PAD 0 and UNK 1")
    return {str(k): int(v) for k, v in vocab.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="official SeqTR / Partial-RES checkpoint (.pth)")
    parser.add_argument("dst", help="output mmengine checkpoint (.pth)")
    parser.add_argument("--ema", action="store_true", help="convert ema_state_dict")
    parser.add_argument("--token-to-ix", help="SeqTR's token_to_ix.pkl of the dataset")
    parser.add_argument("--vocab-out", help="write the vocabulary as risseg JSON here")
    args = parser.parse_args()
    if bool(args.token_to_ix) != bool(args.vocab_out):
        parser.error("--token-to-ix and --vocab-out go together")
    state = convert_seqtr_checkpoint(load_official_checkpoint(args.src), ema=args.ema)
    vocab_size = state["text_encoder.embed.weight"].shape[0]
    if args.token_to_ix:
        vocab = load_token_to_ix(args.token_to_ix)
        if len(vocab) != vocab_size:
            raise ValueError(
                f"{args.token_to_ix} has {len(vocab)} words but {args.src} embeds "
                f"{vocab_size}: they belong to different datasets"
            )
        with open(args.vocab_out, "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        print(f"Wrote {len(vocab)} words to {args.vocab_out}")
    save_converted_checkpoint(state, args.dst, converted_from=args.src, ema=args.ema)
    print(f"vocab_size={vocab_size}: set model.text_encoder.vocab_size={vocab_size}")


if __name__ == "__main__":
    main()
