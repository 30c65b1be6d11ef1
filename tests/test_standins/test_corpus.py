"""Stand-in corpus reading, attribute captions and object views."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from risseg.datasets.synthref.expressions import COLOUR_WORDS, GENERIC_NOUNS, SHAPE_WORDS
from risseg.standins.corpus import (
    CLIP_MEAN_RGB,
    image_caption,
    load_corpus,
    object_box,
    object_caption,
    object_mask,
    object_phrase,
    object_view,
)


@pytest.fixture(scope="module")
def corpus(tiny_corpus):
    return load_corpus(tiny_corpus)


def test_load_corpus_matches_attributes(corpus, tiny_corpus):
    attrs = json.loads((tiny_corpus / "attributes.json").read_text())
    assert corpus.images.shape == (len(attrs["images"]), 128, 128, 3)
    assert corpus.images.dtype == np.uint8
    assert len(corpus.objects) == sum(len(im["objects"]) for im in attrs["images"])
    first = attrs["images"][0]["objects"][0]
    obj = corpus.objects[0]
    assert (obj.shape, obj.colour, obj.size, obj.ann_id) == (
        first["shape"],
        first["colour"],
        first["size"],
        first["ann_id"],
    )
    assert corpus.objects_of(0) == [o for o in corpus.objects if o.image == 0]


def test_load_corpus_split_selection(tiny_corpus, corpus):
    val = load_corpus(tiny_corpus, splits=("val",))
    assert 0 < len(val.images) < len(corpus.images)
    assert set(val.image_ids) <= set(corpus.image_ids)


def test_load_corpus_errors_name_the_file(tmp_path, tiny_corpus):
    with pytest.raises(FileNotFoundError, match="attributes.json"):
        load_corpus(tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(tiny_corpus, broken)
    inst = json.loads((broken / "instances.json").read_text())
    inst["annotations"] = inst["annotations"][1:]
    (broken / "instances.json").write_text(json.dumps(inst))
    with pytest.raises(ValueError, match="no annotation in instances.json"):
        load_corpus(broken)


def test_captions_use_only_true_attribute_words(corpus):
    rng = np.random.default_rng(0)
    for obj in corpus.objects[:40]:
        other_shapes = {w for s, ws in SHAPE_WORDS.items() if s != obj.shape for w in ws}
        other_colours = {w for c, ws in COLOUR_WORDS.items() if c != obj.colour for w in ws}
        for text in (object_phrase(obj, rng), object_caption(obj, rng)):
            words = set(text.split())
            assert not words & (other_shapes | other_colours)
            assert words & (set(SHAPE_WORDS[obj.shape]) | set(GENERIC_NOUNS))
    phrase = object_phrase(
        corpus.objects[0], rng, p_colour=1.0, p_size=1.0, p_shape=1.0, synonyms=False
    )
    o = corpus.objects[0]
    assert phrase == f"{o.size} {o.colour} {o.shape}"


def test_image_caption_lists_every_object(corpus):
    objects = corpus.objects_of(0)
    caption = image_caption(objects, np.random.default_rng(1))
    assert caption.count(" and ") == (len(objects) > 1)
    assert len(caption.split(", ")) == max(1, len(objects) - 1)


def test_object_box_and_views(corpus):
    obj = corpus.objects[0]
    image = corpus.images[obj.image]
    x0, y0, x1, y1 = object_box(obj, margin=1.5)
    assert x1 - x0 == y1 - y0 == pytest.approx(3 * obj.radius, abs=1)
    plain = object_view(image, obj, "plain", None, margin=1.5)
    assert plain.shape == (y1 - y0, x1 - x0, 3)
    mask = object_mask(obj, 128)
    assert mask.sum() > 0.5 * obj.radius**2
    masked = object_view(image, obj, "masked", None, margin=1.5)
    outside = ~mask[max(y0, 0) : y1, max(x0, 0) : x1]
    crop_masked = masked[max(0, -y0) :, max(0, -x0) :][: outside.shape[0], : outside.shape[1]]
    fill = image.reshape(-1, 3).mean(0).astype(np.uint8)
    assert (crop_masked[outside] == fill).all()
    grey = [object_view(image, obj, "masked", np.random.default_rng(s)) for s in range(8)]
    assert any((v == np.array(CLIP_MEAN_RGB, np.uint8)).all(-1).any() for v in grey)
    assert not np.array_equal(object_view(image, obj, "blurred", None), plain)
    with pytest.raises(ValueError, match="view"):
        object_view(image, obj, "sketch", None)
