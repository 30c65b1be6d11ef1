import json
import os
import pickle
import re

import numpy as np
import pytest

from risseg.datasets import SynthRefDataset
from risseg.datasets.synthref import generate_synthref, generator
from risseg.datasets.synthref.expressions import (
    COLOUR_WORDS,
    MARGIN,
    NEXT_TO_GAP,
    SHAPE_WORDS,
    SIZE_WORDS,
)
from risseg.datasets.synthref.shapes import CURVED_SHAPES
from risseg.utils.masks import mask_to_bbox, segmentation_to_mask
from risseg.utils.safe_pickle import safe_load_pickle

MAKE_IMAGE = generator._make_image
FILES = [
    "instances.json",
    "refs(synth).p",
    "attributes.json",
    "vocab.json",
    "supervision_1pct.json",
    "supervision_5pct.json",
    "supervision_10pct.json",
    "semi_1pct.json",
    "semi_5pct.json",
    "semi_10pct.json",
    "synthref_meta.json",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthref") / "tiny"
    generate_synthref(str(root), "tiny", seed=0, workers=1, progress=False)
    return root


def load(root):
    refs = safe_load_pickle(root / "refs(synth).p")
    inst = json.loads((root / "instances.json").read_text())
    attrs = json.loads((root / "attributes.json").read_text())
    return refs, inst, attrs


# ---- an independent reading of the documented expression semantics -------------------
def _matches(obj, attrs):
    return all(obj[c["type"]] == c["value"] for c in attrs)


def _rel(rel, t, a, side):
    dx, dy = t["center"][0] - a["center"][0], t["center"][1] - a["center"][1]
    m = MARGIN * side
    return {
        "left_of": dx < -m and abs(dx) > abs(dy),
        "right_of": dx > m and abs(dx) > abs(dy),
        "above": dy < -m and abs(dy) > abs(dx),
        "below": dy > m and abs(dy) > abs(dx),
        "next_to": np.hypot(dx, dy) - t["radius"] - a["radius"] < NEXT_TO_GAP * side,
    }[rel]


def referents(program, objects, side):
    """Objects (ann_ids) satisfying every constraint of a program."""
    cands = [
        o
        for o in objects
        if _matches(o, [c for c in program if "anchor" not in c and c["type"] != "extreme"])
    ]
    for c in program:
        if c["type"] == "relation":
            anchors = [o for o in objects if _matches(o, c["anchor"])]
            assert len(anchors) == 1, "an anchor must itself be unique"
            cands = [
                o for o in cands if o is not anchors[0] and _rel(c["value"], o, anchors[0], side)
            ]
        elif c["type"] == "extreme":
            if len(cands) < 2:
                return []
            axis, sign = {"left": (0, 1), "right": (0, -1), "top": (1, 1), "bottom": (1, -1)}[
                c["value"]
            ]
            ranked = sorted(cands, key=lambda o: sign * o["center"][axis])
            gap = sign * (ranked[1]["center"][axis] - ranked[0]["center"][axis])
            cands = ranked[:1] if gap > MARGIN * side else []
    return [o["ann_id"] for o in cands]


def test_expressions_pick_out_exactly_their_target(tiny):
    refs, _, attrs = load(tiny)
    objects = {im["image_id"]: im["objects"] for im in attrs["images"]}
    texts = {s["sent_id"]: s["raw"].lower() for r in refs for s in r["sentences"]}
    n = 0
    for ref in attrs["refs"]:
        for sent in ref["sentences"]:
            program = sent["program"]
            assert referents(program, objects[ref["image_id"]], attrs["side"]) == [ref["ann_id"]]
            # The text states every attribute of the program.
            words = set(re.findall(r"[a-z]+", texts[sent["sent_id"]]))
            for c in program:
                table = {"shape": SHAPE_WORDS, "colour": COLOUR_WORDS, "size": SIZE_WORDS}
                if c["type"] in table:
                    assert words & set(table[c["type"]][c["value"]]), (texts[sent["sent_id"]], c)
            n += 1
    assert n >= 200


def test_spatial_words_survive_a_horizontal_flip(tiny):
    refs, _, attrs = load(tiny)
    side = attrs["side"]
    swap = {"left": "right", "right": "left", "left_of": "right_of", "right_of": "left_of"}
    objects = {im["image_id"]: im["objects"] for im in attrs["images"]}
    for ref in attrs["refs"]:
        mirrored = [
            dict(o, center=[side - o["center"][0], o["center"][1]])
            for o in objects[ref["image_id"]]
        ]
        for sent in ref["sentences"]:
            flipped = [dict(c, value=swap.get(c["value"], c["value"])) for c in sent["program"]]
            assert referents(flipped, mirrored, side) == [ref["ann_id"]]
    # Whole-word swapping is complete: horizontal words are only 'left' and 'right'.
    vocab = json.loads((tiny / "vocab.json").read_text())
    assert [w for w in vocab if "left" in w or "right" in w] == ["left", "right"]
    for w in ("east", "west", "clockwise"):
        assert w not in vocab
    # Text and program agree on direction, so swapping the words follows the flip.
    by_id = {s["sent_id"]: s["tokens"] for r in refs for s in r["sentences"]}
    for ref in attrs["refs"]:
        for sent in ref["sentences"]:
            dirs = {c["value"] for c in sent["program"]} & {"left", "right", "left_of", "right_of"}
            said = {"left", "right"} & set(by_id[sent["sent_id"]])
            assert said == {d.split("_")[0] for d in dirs}


def test_refer_fields_splits_and_counts(tiny):
    refs, inst, attrs = load(tiny)
    images = {im["id"]: im for im in inst["images"]}
    anns = {a["id"]: a for a in inst["annotations"]}
    assert len(images) == 40 and all(2 <= len(im["objects"]) <= 6 for im in attrs["images"])
    split_images = {}
    for r in refs:
        assert {
            "ref_id",
            "ann_id",
            "image_id",
            "category_id",
            "split",
            "sent_ids",
            "sentences",
            "file_name",
        } <= set(r)
        assert 2 <= len(r["sentences"]) <= 3
        assert len({s["raw"] for s in r["sentences"]}) == len(r["sentences"])
        for s in r["sentences"]:
            assert set(s) == {"raw", "sent", "tokens", "sent_id"} and s["sent"] == " ".join(
                s["tokens"]
            )
        assert r["sent_ids"] == [s["sent_id"] for s in r["sentences"]]
        assert anns[r["ann_id"]]["image_id"] == r["image_id"] and r["image_id"] in images
        shape = next(c["name"] for c in inst["categories"] if c["id"] == r["category_id"])
        if r["split"] == "testA":
            assert shape in CURVED_SHAPES
        if r["split"] == "testB":
            assert shape not in CURVED_SHAPES
        split_images.setdefault(r["split"].rstrip("AB"), set()).add(r["image_id"])
        assert (tiny / "images" / images[r["image_id"]]["file_name"]).is_file()
    assert set(split_images) == {"train", "val", "test"}
    assert not split_images["train"] & (split_images["val"] | split_images["test"])
    assert {r["split"] for r in refs} == {"train", "val", "testA", "testB"}


def test_annotations_match_their_masks(tiny):
    _, inst, _ = load(tiny)
    kinds = set()
    for a in inst["annotations"]:
        kinds.add("rle" if isinstance(a["segmentation"], dict) else len(a["segmentation"]))
        mask = segmentation_to_mask(a["segmentation"], 128, 128)
        assert mask.sum() == a["area"] > 0
        x1, y1, x2, y2 = mask_to_bbox(mask)
        assert a["bbox"] == [x1, y1, x2 - x1, y2 - y1]
    assert {"rle", 1, 2} <= kinds  # occluded objects as RLE, rings as two polygons


def test_supervision_and_semi_files(tiny):
    refs, _, _ = load(tiny)
    train = {r["ref_id"]: r["image_id"] for r in refs if r["split"] == "train"}
    for pct in (1, 5, 10):
        sup = json.loads((tiny / f"supervision_{pct}pct.json").read_text())
        assert sorted(sup["mask"] + sup["box"]) == sorted(train)
        assert len(sup["mask"]) == max(1, round(pct / 100 * len(train)))
        semi = json.loads((tiny / f"semi_{pct}pct.json").read_text())
        assert sorted(semi["labeled_image_ids"] + semi["unlabeled_image_ids"]) == sorted(
            set(train.values())
        )
        assert all(train[r] in semi["labeled_image_ids"] for r in semi["mask"])
        assert sorted(semi["mask"] + semi["none"]) == sorted(train)


def test_generation_is_deterministic_and_worker_independent(tiny, tmp_path):
    again = tmp_path / "again"
    generate_synthref(str(again), "tiny", seed=0, workers=2, progress=False)
    for name in FILES:
        assert (tiny / name).read_bytes() == (again / name).read_bytes(), name
    for name in sorted(os.listdir(tiny / "images"))[:5]:
        assert (tiny / "images" / name).read_bytes() == (again / "images" / name).read_bytes()
    other = tmp_path / "other"
    generate_synthref(str(other), "tiny", seed=1, workers=1, progress=False)
    assert (tiny / "refs(synth).p").read_bytes() != (other / "refs(synth).p").read_bytes()
    with pytest.raises(FileExistsError):
        generate_synthref(str(other), "tiny", seed=1, workers=1, progress=False)
    assert not [p for p in os.listdir(tmp_path) if ".partial" in p]
    assert isinstance(pickle.loads((tiny / "refs(synth).p").read_bytes()), list)


def test_dataset_generates_on_first_use_and_checks_the_preset(tmp_path):
    root = tmp_path / "synthref"
    (tmp_path / "synthref.partial").mkdir()  # an unusable leftover: started afresh
    ds = SynthRefDataset(str(root), preset="tiny", split="val", test_mode=True)
    assert (root / "synthref_meta.json").is_file() and len(ds) > 0
    info = ds.get_data_info(0)
    assert info["img_path"].startswith(str(root / "images")) and len(info["texts"]) == 1
    semi = SynthRefDataset(
        str(root),
        preset="tiny",
        split="train",
        supervision_file="semi_10pct.json",
        keep_supervision=["mask"],
    )
    assert {semi.get_data_info(i)["supervision"] for i in range(len(semi))} == {"mask"}
    with pytest.raises(ValueError, match="preset='tiny' seed=0"):
        SynthRefDataset(str(root), preset="tiny", seed=3)
    (tmp_path / "partial").mkdir()
    with pytest.raises(FileNotFoundError, match="not a complete SynthRef"):
        SynthRefDataset(str(tmp_path / "partial"), preset="tiny")


def test_interrupted_generation_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(generator, "_write_outputs", crash)
    with pytest.raises(KeyboardInterrupt):
        generate_synthref(str(tmp_path / "s"), "tiny", workers=1, progress=False)
    assert os.listdir(tmp_path) == ["s.partial"]
    with pytest.raises(FileNotFoundError, match="not a complete SynthRef"):
        SynthRefDataset(str(tmp_path / "s.partial"), preset="tiny")


def _drawing_spy(monkeypatch, crash_at: int | None = None) -> list[int]:
    """Record the image indices drawn; raise KeyboardInterrupt when ``crash_at`` is reached."""
    drawn, make = [], MAKE_IMAGE  # the real one, also when an earlier spy is in place

    def spy(job):
        if job[0] == crash_at:
            raise KeyboardInterrupt
        drawn.append(job[0])
        return make(job)

    monkeypatch.setattr(generator, "_make_image", spy)
    return drawn


def test_interrupted_generation_resumes_from_its_finished_chunks(tiny, tmp_path, monkeypatch):
    out = tmp_path / "s"
    drawn = _drawing_spy(monkeypatch, crash_at=20)
    with pytest.raises(KeyboardInterrupt):
        generate_synthref(str(out), "tiny", workers=1, progress=False, chunk_size=8)
    assert drawn == list(range(20))
    assert sorted(os.listdir(tmp_path / "s.partial" / "chunks")) == ["0000000.json", "0000008.json"]
    drawn = _drawing_spy(monkeypatch)
    generate_synthref(str(out), "tiny", workers=1, progress=False, chunk_size=8)
    assert drawn == list(range(16, 40))  # chunks 0 and 8 were kept, chunk 16 is redrawn
    assert os.listdir(tmp_path) == ["s"]
    assert not (out / "chunks").exists() and not (out / "partial.json").exists()
    for name in FILES:  # same bytes as the uninterrupted run with the default chunk size
        assert (tiny / name).read_bytes() == (out / name).read_bytes(), name
    assert sorted(os.listdir(out / "images")) == sorted(os.listdir(tiny / "images"))


class _Payload:
    """Unpickling it writes the marker file."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _interrupt_after_two_chunks(out, monkeypatch) -> None:
    _drawing_spy(monkeypatch, crash_at=20)
    with pytest.raises(KeyboardInterrupt):
        generate_synthref(str(out), "tiny", workers=1, progress=False, chunk_size=8)


@pytest.mark.parametrize("damage", ["pickle_payload", "truncated", "other_images"])
def test_tampered_or_corrupt_chunks_are_redrawn_never_executed(damage, tiny, tmp_path, monkeypatch):
    out, marker = tmp_path / "s", tmp_path / "EXECUTED"
    _interrupt_after_two_chunks(out, monkeypatch)
    chunk = tmp_path / "s.partial" / "chunks" / "0000008.json"
    if damage == "pickle_payload":
        chunk.write_bytes(pickle.dumps([_Payload(marker)]))
    elif damage == "truncated":
        chunk.write_text(chunk.read_text()[:-50])
    else:  # valid JSON holding chunk 0's records
        chunk.write_text((chunk.parent / "0000000.json").read_text())
    drawn = _drawing_spy(monkeypatch)
    with pytest.warns(UserWarning, match=re.escape(str(chunk))):
        generate_synthref(str(out), "tiny", workers=1, progress=False, chunk_size=8)
    assert drawn == list(range(8, 40))  # chunk 0 kept, the damaged chunk 8 redrawn
    assert not marker.exists()
    for name in FILES:
        assert (tiny / name).read_bytes() == (out / name).read_bytes(), name


def test_pickled_chunks_of_an_older_version_are_never_read(tmp_path, monkeypatch):
    out, marker = tmp_path / "s", tmp_path / "EXECUTED"
    _interrupt_after_two_chunks(out, monkeypatch)
    partial = tmp_path / "s.partial"
    sig = json.loads((partial / "partial.json").read_text())
    del sig["chunk_format"]  # what the pickle-chunk version wrote
    (partial / "partial.json").write_text(json.dumps(sig))
    (partial / "chunks" / "0000000.pkl").write_bytes(pickle.dumps([_Payload(marker)]))
    drawn = _drawing_spy(monkeypatch)
    generate_synthref(str(out), "tiny", workers=1, progress=False, chunk_size=8)
    assert drawn == list(range(40)) and not marker.exists()


def test_a_partial_run_of_another_seed_is_started_afresh(tmp_path, monkeypatch):
    _drawing_spy(monkeypatch, crash_at=10)
    with pytest.raises(KeyboardInterrupt):
        generate_synthref(
            str(tmp_path / "s"), "tiny", seed=1, workers=1, progress=False, chunk_size=8
        )
    drawn = _drawing_spy(monkeypatch)
    meta = generate_synthref(
        str(tmp_path / "s"), "tiny", seed=0, workers=1, progress=False, chunk_size=8
    )
    assert drawn == list(range(40)) and meta["seed"] == 0


def test_unknown_preset(tmp_path):
    with pytest.raises(ValueError, match="Unknown SynthRef preset"):
        generate_synthref(str(tmp_path / "x"), "huge")
