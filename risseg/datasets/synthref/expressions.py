"""Referring expressions for SynthRef: programs that pick out one object, and their text.

A *program* is a list of constraints (JSON-serialisable dicts)::

    {'type': 'shape'|'colour'|'size', 'value': str}         attribute filters
    {'type': 'extreme', 'value': 'left'|'right'|'top'|'bottom'}
        the filtered object furthest in that direction (needs >= 2 filtered objects and a
        clear margin over the runner-up)
    {'type': 'relation', 'value': 'left_of'|'right_of'|'above'|'below'|'next_to',
     'anchor': [attribute constraints naming exactly one other object]}

:func:`resolve` evaluates a program on a scene; the generator keeps only programs that resolve
to exactly the target. Horizontal words are only the tokens ``left`` and ``right``, so the
flip's whole-word swap turns a true expression into the true one for the mirrored scene.
"""

from __future__ import annotations

import itertools

import numpy as np

MARGIN = 0.06  # fraction of the image side separating "clearly left of" from "about level"
NEXT_TO_GAP = 0.08  # max gap between outlines (fraction of the side) for "next to"
ATTRS = ("size", "colour", "shape")

SHAPE_WORDS = {
    "circle": ["circle", "disc"],
    "ring": ["ring", "donut"],
    "ellipse": ["ellipse", "oval"],
    "square": ["square"],
    "triangle": ["triangle"],
    "diamond": ["diamond", "rhombus"],
    "star": ["star"],
}
GENERIC_NOUNS = ["shape", "object", "thing"]
COLOUR_WORDS = {
    "red": ["red"],
    "green": ["green"],
    "blue": ["blue"],
    "yellow": ["yellow"],
    "purple": ["purple", "violet"],
    "cyan": ["cyan", "turquoise"],
}
SIZE_WORDS = {"small": ["small", "little", "tiny"], "big": ["big", "large"]}
EXTREME_PRE = {
    "left": ["left"],
    "right": ["right"],
    "top": ["top", "highest"],
    "bottom": ["bottom", "lowest"],
}
EXTREME_POST = {
    "left": ["on the left", "furthest to the left", "on the far left"],
    "right": ["on the right", "furthest to the right", "on the far right"],
    "top": ["at the top", "nearest the top"],
    "bottom": ["at the bottom", "nearest the bottom"],
}
RELATION_WORDS = {
    "left_of": ["left of", "to the left of"],
    "right_of": ["right of", "to the right of"],
    "above": ["above", "over"],
    "below": ["below", "under", "beneath"],
    "next_to": ["next to", "beside"],
}


def relation_holds(rel: str, t: dict, a: dict, side: float) -> bool:
    """Whether object ``t`` stands in relation ``rel`` to object ``a``.

    Objects are dicts with ``center`` [x, y] and ``radius``. Left/right/above/below need the
    displacement along that axis to dominate and exceed ``MARGIN * side``.
    """
    dx = t["center"][0] - a["center"][0]
    dy = t["center"][1] - a["center"][1]
    m = MARGIN * side
    if rel == "left_of":
        return -dx > m and abs(dx) > abs(dy)
    if rel == "right_of":
        return dx > m and abs(dx) > abs(dy)
    if rel == "above":
        return -dy > m and abs(dy) > abs(dx)
    if rel == "below":
        return dy > m and abs(dy) > abs(dx)
    if rel == "next_to":
        gap = float(np.hypot(dx, dy)) - t["radius"] - a["radius"]
        return gap < NEXT_TO_GAP * side
    raise ValueError(f"Unknown relation {rel!r}.")


def _filter(objects: list[dict], attrs: list[dict]) -> list[int]:
    return [i for i, o in enumerate(objects) if all(o[c["type"]] == c["value"] for c in attrs)]


def _extreme(objects: list[dict], idx: list[int], direction: str, side: float) -> list[int]:
    if len(idx) < 2:
        return []  # "the left circle" presupposes several circles
    axis, sign = {"left": (0, 1), "right": (0, -1), "top": (1, 1), "bottom": (1, -1)}[direction]
    keys = sorted((sign * objects[i]["center"][axis], i) for i in idx)
    return [keys[0][1]] if keys[1][0] - keys[0][0] > MARGIN * side else []


def resolve(program: list[dict], objects: list[dict], side: float) -> list[int]:
    """Indices of the objects a program refers to (exactly one when it is unique).

    Args:
        program: list of constraints (see module doc).
        objects: scene objects with ``shape, colour, size, center, radius``.
        side: image side in pixels (scales the margins).

    Returns:
        list of matching object indices.
    """
    attrs = [c for c in program if c["type"] in ATTRS]
    idx = _filter(objects, attrs)
    for c in program:
        if c["type"] == "extreme":
            idx = _extreme(objects, idx, c["value"], side)
        elif c["type"] == "relation":
            anchors = _filter(objects, c["anchor"])
            if len(anchors) != 1:
                return []
            a = objects[anchors[0]]
            idx = [
                i
                for i in idx
                if i != anchors[0] and relation_holds(c["value"], objects[i], a, side)
            ]
    return idx


def flip_program(program: list[dict]) -> list[dict]:
    """The program describing the same object in the horizontally mirrored scene."""
    swap = {"left": "right", "right": "left", "left_of": "right_of", "right_of": "left_of"}
    return [dict(c, value=swap.get(c["value"], c["value"])) for c in program]


def unique_programs(objects: list[dict], target: int, side: float) -> list[list[dict]]:
    """Every candidate program (attributes, + extreme, + relation) naming only ``target``.

    Equivalent to keeping the candidates for which :func:`resolve` returns ``[target]``, but
    filters each attribute subset once and reuses the relation table.
    """
    t = objects[target]
    anchors = []  # (index, attribute constraints naming only that object)
    for j in range(len(objects)):
        if j == target:
            continue
        for combo in (
            ("shape",),
            ("colour", "shape"),
            ("size", "shape"),
            ("size", "colour", "shape"),
        ):
            anchor = [{"type": k, "value": objects[j][k]} for k in combo]
            if _filter(objects, anchor) == [j]:
                anchors.append((j, anchor))
                break
    holds = {
        (r, i, j): relation_holds(r, objects[i], objects[j], side)
        for r in RELATION_WORDS
        for i in range(len(objects))
        for j, _ in anchors
        if i != j
    }
    found = []
    for n in range(4):
        for combo in itertools.combinations(ATTRS, n):
            attrs = [{"type": k, "value": t[k]} for k in combo]
            idx = _filter(objects, attrs)
            if attrs and idx == [target]:
                found.append(attrs)
            for d in EXTREME_PRE:
                if _extreme(objects, idx, d, side) == [target]:
                    found.append(attrs + [{"type": "extreme", "value": d}])
            for j, anchor in anchors:
                for r in RELATION_WORDS:
                    if [i for i in idx if i != j and holds[(r, i, j)]] == [target]:
                        found.append(attrs + [{"type": "relation", "value": r, "anchor": anchor}])
    return found


def render(program: list[dict], rng: np.random.Generator) -> str:
    """Turn a program into an English expression with random synonyms and word order."""
    pick = lambda words: words[rng.integers(len(words))]  # noqa: E731
    vals = {c["type"]: c for c in program}
    adjs = [pick(SIZE_WORDS[vals["size"]["value"]])] if "size" in vals else []
    if "colour" in vals:
        colour = pick(COLOUR_WORDS[vals["colour"]["value"]])
        adjs = adjs + [colour] if rng.random() < 0.8 else [colour] + adjs
    noun = pick(SHAPE_WORDS[vals["shape"]["value"]]) if "shape" in vals else pick(GENERIC_NOUNS)
    det = "the " if rng.random() < 0.75 else ""
    pre, post = "", ""
    if "extreme" in vals:
        d = vals["extreme"]["value"]
        if rng.random() < 0.4:
            pre = pick(EXTREME_PRE[d]) + " "
        else:
            post = " " + pick(EXTREME_POST[d])
    if "relation" in vals:
        rel = vals["relation"]
        anchor = render_noun_phrase(rel["anchor"], rng)
        post = f" {pick(RELATION_WORDS[rel['value']])} the {anchor}"
    if adjs and not pre and rng.random() < 0.25:
        text = f"{det}{noun} that is {' and '.join(adjs)}{post}"
    else:
        text = f"{det}{pre}{' '.join(adjs + [noun])}{post}"
    if rng.random() < 0.3:
        text = text[0].upper() + text[1:]
    return text + ("." if rng.random() < 0.2 else "")


def render_noun_phrase(attrs: list[dict], rng: np.random.Generator) -> str:
    """A plain noun phrase for an anchor's attribute constraints (always names the shape)."""
    vals = {c["type"]: c["value"] for c in attrs}
    words = (
        [SIZE_WORDS[vals["size"]][rng.integers(len(SIZE_WORDS[vals["size"]]))]]
        if "size" in vals
        else []
    )
    if "colour" in vals:
        words.append(COLOUR_WORDS[vals["colour"]][rng.integers(len(COLOUR_WORDS[vals["colour"]]))])
    words.append(SHAPE_WORDS[vals["shape"]][rng.integers(len(SHAPE_WORDS[vals["shape"]]))])
    return " ".join(words)


def tokenize(raw: str) -> list[str]:
    """REFER-style tokens: lower case, punctuation removed."""
    return "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in raw.lower()).split()
