import random

import cv2
import numpy as np
import pytest

from risseg.datasets import LoadImage, LoadReferAnnotations, ReferDataset, SelectSentence
from risseg.datasets.transforms import BoxPriorMask
from risseg.utils.masks import polygons_to_mask

from ..refer_fixture import H, W


def entry(root, ref_id, split="train", **kwargs):
    ds = ReferDataset(str(root), "refcoco", "unc", split, img_prefix="images", **kwargs)
    return next(d for d in (ds.get_data_info(i) for i in range(len(ds))) if d["ref_id"] == ref_id)


@pytest.mark.parametrize("backend", ["cv2", "pillow"])
def test_load_image_gives_rgb_and_geometry_keys(refer_root, backend):
    results = LoadImage(backend=backend)(entry(refer_root, 1))
    img = results["img"]
    assert img.dtype == np.uint8 and img.shape == (H, W, 3)
    assert tuple(img[0, 0]) == (255, 0, 0)  # written as BGR (0, 0, 255)
    assert results["ori_shape"] == results["img_shape"] == results["pad_shape"] == (H, W)
    assert results["img_offset"] == (0, 0) and results["scale_factor"] == (1.0, 1.0)
    assert results["flip"] is False


def test_load_image_errors_name_path_and_ref(refer_root):
    results = entry(refer_root, 3)
    (refer_root / "images" / "img2.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"img2.png \(ref_id=3\)"):
        LoadImage()(dict(results))
    (refer_root / "images" / "img2.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    for backend in ("cv2", "pillow"):
        with pytest.raises(ValueError, match=r"corrupt.*img2.png \(ref_id=3\)"):
            LoadImage(backend=backend)(dict(results))
    cv2.imwrite(str(refer_root / "images" / "img2.png"), np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(ValueError, match="5x5 but its annotation says 24x32"):
        LoadImage()(dict(results))


def _truncate_into(path, keep: float = 0.6) -> None:
    """Write a JPEG of the fixture's size, cut short, to ``path`` (cv2 decodes it silently)."""
    rng = np.random.default_rng(0)
    data = cv2.imencode(".jpg", (rng.random((H, W, 3)) * 255).astype(np.uint8))[1].tobytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize("backend", ["cv2", "pillow"])
def test_truncated_jpeg_raises_naming_file_and_ref(refer_root, backend):
    results = entry(refer_root, 3)
    _truncate_into(refer_root / "images" / "img2.png")
    with pytest.raises(ValueError, match=r"Truncated.*img2.png \(ref_id=3\)"):
        LoadImage(backend=backend)(dict(results))


def test_bad_images_are_skipped_counted_and_logged_in_training(refer_root, capsys):
    from mmengine.logging import MMLogger

    MMLogger.get_instance("test_loading_skip", log_level="WARNING")
    pipeline = [dict(type="LoadImage", on_bad_image="skip"), dict(type="SelectSentence")]
    ds = ReferDataset(
        str(refer_root),
        "refcoco",
        "unc",
        "train",
        img_prefix="images",
        pipeline=pipeline,
        max_refetch=50,
    )
    bad = [i for i in range(len(ds)) if ds.get_data_info(i)["img_path"].endswith("img2.png")]
    _truncate_into(refer_root / "images" / "img2.png")
    sample = ds[bad[0]]  # another, readable sample is drawn instead
    assert not sample["img_path"].endswith("img2.png")
    load = ds.pipeline.transforms[0]
    assert load.num_skipped >= 1
    assert "skipping a bad image (1 in this process so far)" in capsys.readouterr().out
    with pytest.raises(ValueError, match="on_bad_image"):
        LoadImage(on_bad_image="ignore")


def test_select_sentence_train_and_test(refer_root):
    results = entry(refer_root, 3)
    random.seed(0)
    seen = {SelectSentence()(dict(results))["sent_id"] for _ in range(40)}
    assert seen == set(results["sent_ids"])
    out = SelectSentence(random_choice=False)(dict(results))
    assert (out["text"], out["sent_id"]) == (results["texts"][0], results["sent_ids"][0])
    test_entry = entry(refer_root, 9, "testB", test_mode=True)
    assert SelectSentence()(dict(test_entry))["text"] == test_entry["texts"][0]
    with pytest.raises(ValueError, match="ref_id=9"):
        SelectSentence()(dict(test_entry, texts=[" "]))


def test_annotations_polygons_multipolygon_and_rle(refer_root):
    load = LoadReferAnnotations()
    one = load(entry(refer_root, 1))
    assert one["gt_mask"].dtype == bool and one["gt_mask"].shape == (H, W)
    assert one["gt_bbox"].dtype == np.float32
    np.testing.assert_array_equal(one["gt_bbox"], [2, 2, 10, 10])
    assert one["gt_iscrowd"] is False

    multi = load(entry(refer_root, 2))  # two overlapping squares: union, incl. the overlap
    a = polygons_to_mask([[12, 4, 18, 4, 18, 10, 12, 10]], H, W)
    b = polygons_to_mask([[15, 7, 21, 7, 21, 13, 15, 13]], H, W)
    assert (a & b).any()
    np.testing.assert_array_equal(multi["gt_mask"], a | b)
    assert multi["gt_iscrowd"] is True

    compressed = load(entry(refer_root, 4))["gt_mask"]
    uncompressed = load(entry(refer_root, 11))["gt_mask"]
    expected = np.zeros((H, W), bool)
    expected[2:10, 20:30] = True
    np.testing.assert_array_equal(compressed, expected)
    np.testing.assert_array_equal(uncompressed, expected)


def test_annotations_respect_supervision(refer_root):
    box_only = entry(refer_root, 1, supervision_file=None)
    box_only = dict(box_only, supervision="box", segmentation=None)
    out = LoadReferAnnotations()(dict(box_only))
    assert "gt_mask" not in out and out["gt_bbox"].shape == (4,)
    out = LoadReferAnnotations()(dict(box_only, supervision="none"))
    assert "gt_mask" not in out and "gt_bbox" not in out


def test_box_prior_mask_only_for_box_samples(refer_root):
    box_only = dict(
        entry(refer_root, 1, supervision_file=None), supervision="box", segmentation=None
    )
    out = BoxPriorMask("box")(LoadReferAnnotations()(dict(box_only)))
    x1, y1, x2, y2 = out["gt_bbox"]
    ys, xs = np.nonzero(out["gt_mask"])
    assert out["supervision"] == "mask" and out["box_prior"]
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x1, y1, x2, y2)
    ellipse = BoxPriorMask()(LoadReferAnnotations()(dict(box_only)))["gt_mask"]
    assert ellipse.sum() == pytest.approx(np.pi / 4 * (x2 - x1) * (y2 - y1), rel=0.1)
    assert not (ellipse & ~out["gt_mask"]).any()  # inside the box
    masked = LoadReferAnnotations()(entry(refer_root, 1))  # a GT mask stays as it is
    kept = BoxPriorMask()(dict(masked))
    assert "box_prior" not in kept and kept["gt_mask"] is masked["gt_mask"]
    with pytest.raises(KeyError, match="LoadReferAnnotations first"):
        BoxPriorMask()(dict(box_only))
    with pytest.raises(ValueError, match="ellipse"):
        BoxPriorMask("circle")


def test_zero_area_mask_errors_or_skips(refer_root):
    results = dict(entry(refer_root, 1), segmentation=[[30, 20, 30, 20, 30, 20]])
    with pytest.raises(ValueError, match=r"Zero-area.*ref_id=1\)"):
        LoadReferAnnotations()(dict(results))
    assert LoadReferAnnotations(skip_empty=True)(dict(results)) is None
    with pytest.raises(ValueError, match=r"Malformed segmentation.*ref_id=1\)"):
        LoadReferAnnotations()(dict(results, segmentation={"counts": "x"}))


def test_full_pipeline_through_the_dataset(refer_root):
    pipeline = [
        dict(type="LoadImage"),
        dict(type="SelectSentence"),
        dict(type="LoadReferAnnotations"),
    ]
    ds = ReferDataset(
        str(refer_root),
        "refcoco",
        "unc",
        "testB",
        img_prefix="images",
        test_mode=True,
        pipeline=pipeline,
    )
    for i in range(len(ds)):
        sample = ds[i]
        assert sample["gt_mask"].any() and sample["text"] == sample["texts"][0]
        assert sample["img"].shape == (H, W, 3)
