import json

import numpy as np
import pycocotools.mask as mask_utils
import pytest

from risseg.utils.masks import (
    bbox_xywh_to_xyxy,
    bbox_xyxy_to_xywh,
    box_mask,
    ellipse_mask,
    mask_to_bbox,
    mask_to_rle,
    polygons_to_mask,
    rle_to_mask,
    segmentation_to_mask,
)


def test_overlapping_polygons_are_merged_by_union():
    a = [0, 0, 10, 0, 10, 10, 0, 10]
    b = [5, 5, 15, 5, 15, 15, 5, 15]
    merged = polygons_to_mask([a, b], 20, 20)
    ma, mb = polygons_to_mask([a], 20, 20), polygons_to_mask([b], 20, 20)
    assert merged.dtype == bool and merged.shape == (20, 20)
    assert (ma & mb).any()  # the parts overlap ...
    np.testing.assert_array_equal(merged, ma | mb)  # ... and the overlap stays foreground
    # REFER's getMask sums the parts; '== 1' would have lost the overlap.
    summed = mask_utils.decode(mask_utils.frPyObjects([a, b], 20, 20)).sum(-1)
    assert ((summed == 1) != merged).sum() == (ma & mb).sum()


def test_degenerate_polygons_are_ignored_not_read_as_boxes():
    assert not polygons_to_mask([[1, 1, 8, 8]], 10, 10).any()  # pycocotools: a 4-number box
    assert not polygons_to_mask([], 10, 10).any()
    with pytest.raises(ValueError, match="odd"):
        polygons_to_mask([[0, 0, 5, 0, 5, 5, 1]], 10, 10)


def test_rle_roundtrip_compressed_and_uncompressed():
    mask = np.zeros((7, 9), dtype=bool)
    mask[1:4, 2:8] = True
    rle = mask_to_rle(mask)
    assert isinstance(rle["counts"], str) and rle["size"] == [7, 9]
    json.dumps(rle)
    np.testing.assert_array_equal(rle_to_mask(rle), mask)
    np.testing.assert_array_equal(segmentation_to_mask(rle, 7, 9), mask)
    # column-major runs: 2 empty columns + 1 row, then 6 x (3 on, 4 off), last run longer
    uncompressed = {"size": [7, 9], "counts": [15, 3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 3, 10]}
    np.testing.assert_array_equal(segmentation_to_mask(uncompressed, 7, 9), mask)
    with pytest.raises(ValueError, match="differs"):
        segmentation_to_mask(rle, 8, 9)


def test_mask_to_bbox_and_box_conversions():
    mask = np.zeros((10, 12), dtype=bool)
    mask[2:5, 3:9] = True
    np.testing.assert_array_equal(mask_to_bbox(mask), [3, 2, 9, 5])
    np.testing.assert_array_equal(mask_to_bbox(np.zeros((4, 4), bool)), [0, 0, 0, 0])
    xyxy = bbox_xywh_to_xyxy([3, 2, 6, 3])
    assert xyxy.dtype == np.float32
    np.testing.assert_array_equal(xyxy, [3, 2, 9, 5])
    np.testing.assert_array_equal(bbox_xyxy_to_xywh(xyxy), [3, 2, 6, 3])
    batch = bbox_xywh_to_xyxy(np.array([[0, 0, 1, 1], [1, 2, 3, 4]]))
    np.testing.assert_array_equal(batch, [[0, 0, 1, 1], [1, 2, 4, 6]])


def test_unsupported_segmentation_type():
    with pytest.raises(TypeError):
        segmentation_to_mask("polygon", 4, 4)


def test_box_and_ellipse_masks():
    box = np.array([2.0, 1.0, 8.0, 5.0])
    filled = box_mask(box, 8, 10)
    assert filled.sum() == 6 * 4 and filled[1:5, 2:8].all()
    ellipse = ellipse_mask(box, 8, 10)
    assert not (ellipse & ~filled).any()
    assert ellipse[3, 4] and not ellipse[1, 2]  # centre in, corner out
    np.testing.assert_array_equal(ellipse, ellipse[:, ::-1])  # symmetric about x = 5
    assert ellipse_mask([4.2, 4.2, 4.4, 4.4], 8, 8).sum() == 1  # sub-pixel box: its pixel
