import json
import pickle

import pytest

from risseg.datasets import ReferDataset
from risseg.datasets.refer import split_matches
from risseg.utils.safe_pickle import UnsafePickleError

from .refer_fixture import fixture_annotations, write_refer

CONTRACT_KEYS = {
    "img_path",
    "image_id",
    "ref_id",
    "ann_id",
    "category_id",
    "height",
    "width",
    "texts",
    "sent_ids",
    "segmentation",
    "bbox",
    "supervision",
}


def build(root, split="train", **kwargs):
    return ReferDataset(str(root), "refcoco", "unc", split, img_prefix="images", **kwargs)


def ref_ids(ds):
    return [ds.get_data_info(i)["ref_id"] for i in range(len(ds))]


@pytest.mark.parametrize(
    "ref_split,split,expected",
    [
        ("testAB", "testA", True),
        ("testAB", "testB", True),
        ("testA", "testB", False),
        ("testB", "test", True),
        ("test", "testA", False),
        ("train", "train", True),
        ("val", "validation", False),
        ("trainval", "train", False),
        ("testC", "testC", True),
    ],
)
def test_split_semantics(ref_split, split, expected):
    assert split_matches(ref_split, split) is expected


@pytest.mark.parametrize(
    "split,expected",
    [
        ("train", [1, 2, 3, 4, 11]),
        ("val", [5, 6]),
        ("testA", [7, 9, 12]),
        ("testB", [8, 9, 10]),
        ("test", [7, 8, 9, 10, 12]),
    ],
)
def test_train_mode_has_one_entry_per_ref(refer_root, split, expected):
    ds = build(refer_root, split)
    assert sorted(ref_ids(ds)) == expected


def test_entries_follow_the_data_flow_contract(refer_root):
    ds = build(refer_root)
    info = ds.get_data_info(ref_ids(ds).index(3))
    assert set(info) - {"sample_idx"} == CONTRACT_KEYS
    assert info["img_path"] == str(refer_root / "images" / "img2.png")
    assert (info["image_id"], info["ann_id"], info["height"], info["width"]) == (2, 103, 24, 32)
    assert info["texts"] == [
        "Object 3, sentence 0.",
        "Object 3, sentence 1.",
        "Object 3, sentence 2.",
    ]
    assert len(info["sent_ids"]) == 3 and info["supervision"] == "mask"
    assert info["bbox"] == [4.0, 10.0, 10.0, 10.0]


def test_test_mode_has_one_entry_per_sentence(refer_root):
    ds = build(refer_root, "testA", test_mode=True)
    pairs = [
        (d["ref_id"], d["sent_ids"][0], len(d["texts"]))
        for d in (ds.get_data_info(i) for i in range(len(ds)))
    ]
    assert [p[0] for p in pairs] == [7, 7, 9, 9, 12]
    assert len({p[1] for p in pairs}) == 5 and all(p[2] == 1 for p in pairs)


@pytest.mark.parametrize("mode", ["first", "random"])
def test_sentence_mode_keeps_one_sentence_per_ref(refer_root, mode):
    ds = build(refer_root, "testA", test_mode=True, sentence_mode=mode)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [d["ref_id"] for d in infos] == [7, 9, 12]
    again = build(refer_root, "testA", test_mode=True, sentence_mode=mode)
    assert [d["sent_ids"] for d in infos] == [again.get_data_info(i)["sent_ids"] for i in range(3)]


def test_text_field_sent_and_absolute_image_root(refer_root):
    ds = ReferDataset(
        str(refer_root),
        "refcoco",
        "unc",
        "val",
        text_field="sent",
        img_prefix=str(refer_root / "images"),
    )
    info = ds.get_data_info(0)
    assert info["texts"] == ["object 5 sentence 0"]
    assert info["img_path"] == str(refer_root / "images" / "img3.png")


def test_json_refs_file_is_preferred(refer_root):
    refs, _ = fixture_annotations()
    refs[0]["sentences"][0]["raw"] = "from the json file"
    (refer_root / "refcoco" / "refs(unc).json").write_text(json.dumps(refs))
    assert build(refer_root).get_data_info(0)["texts"][0] == "from the json file"


def test_supervision_file(refer_root):
    spec = {"mask": [1], "box": [2, 3], "none": [4]}
    (refer_root / "refcoco" / "sup.json").write_text(json.dumps(spec))
    ds = build(refer_root, supervision_file="sup.json")
    sup = {
        d["ref_id"]: (d["supervision"], d["segmentation"] is None)
        for d in (ds.get_data_info(i) for i in range(len(ds)))
    }
    assert sup == {
        1: ("mask", False),
        2: ("box", True),
        3: ("box", True),
        4: ("none", True),
        11: ("mask", False),
    }  # unlisted refs take the default, 'mask'
    labeled = build(refer_root, supervision_file="sup.json", keep_supervision=["mask"])
    assert sorted(ref_ids(labeled)) == [1, 11]


def test_supervision_file_errors(refer_root):
    (refer_root / "refcoco" / "other.json").write_text(json.dumps({"mask": [999]}))
    with pytest.raises(ValueError, match="other.json"):
        build(refer_root, supervision_file="other.json")
    with pytest.raises(FileNotFoundError, match="absent.json"):
        build(refer_root, supervision_file="absent.json")


def test_missing_annotation_errors_or_is_skipped(tmp_path):
    refs, inst = fixture_annotations()
    refs[0]["ann_id"] = 12345
    root = write_refer(tmp_path, refs, inst)
    with pytest.raises(ValueError, match=r"ref_id=1\b.*instances.json"):
        build(root)
    ds = build(root, on_bad_item="skip")
    assert sorted(ref_ids(ds)) == [2, 3, 4, 11]
    assert ds.num_skipped == {"missing annotation": 1}


def test_missing_image_record_errors_or_is_skipped(tmp_path):
    refs, inst = fixture_annotations()
    inst["images"] = [im for im in inst["images"] if im["id"] != 2]
    root = write_refer(tmp_path, refs, inst)
    with pytest.raises(ValueError, match=r"ref_id=3\b.*instances.json"):
        build(root)
    assert build(root, on_bad_item="skip").num_skipped == {"missing image": 2}


def test_empty_sentences_are_dropped_and_counted(tmp_path):
    refs, inst = fixture_annotations()
    refs[0]["sentences"][0]["raw"] = "   "
    for s in refs[1]["sentences"]:
        s["raw"] = ""
    root = write_refer(tmp_path, refs, inst)
    with pytest.raises(ValueError, match=r"ref_id=2\b.*refs\(unc\)\.p"):
        build(root)
    ds = build(root, on_bad_item="skip")
    assert ds.num_skipped == {"empty sentences dropped": 2, "refs without sentences": 1}
    assert ds.get_data_info(0)["texts"] == ["Object 1, sentence 1."]


def test_malformed_unsafe_and_wrong_structure_refs(refer_root):
    path = refer_root / "refcoco" / "refs(unc).p"
    path.write_bytes(b"\x80\x04 this is not a pickle")
    with pytest.raises(ValueError, match=r"refs\(unc\)\.p"):
        build(refer_root)
    path.write_bytes(pickle.dumps([{"ref_id": 1, "f": print}]))
    with pytest.raises(UnsafePickleError, match=r"refs\(unc\)\.p.*builtins.print"):
        build(refer_root)
    path.write_bytes(pickle.dumps({"ref_id": 1}))
    with pytest.raises(ValueError, match="expected a list"):
        build(refer_root)
    path.write_bytes(pickle.dumps([{"ref_id": 1, "split": "train"}]))
    with pytest.raises(ValueError, match="lacks"):
        build(refer_root)


def test_bad_arguments_and_empty_split(refer_root):
    with pytest.raises(ValueError, match="split"):
        build(refer_root, "testD")
    with pytest.raises(ValueError, match="no refs in split 'testC'"):
        build(refer_root, "testC")
    with pytest.raises(FileNotFoundError, match="instances.json"):
        (refer_root / "refcoco" / "instances.json").unlink()
        build(refer_root)
