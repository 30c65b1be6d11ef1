import pytest

from risseg.datasets.supervision_subsets import make_mask_subset, make_semi_split


def test_mask_subset_is_deterministic_order_independent_and_partitions():
    ids = list(range(1, 201))
    a = make_mask_subset(ids, 0.05, seed=0)
    assert a == make_mask_subset(ids[::-1], 0.05, seed=0)
    assert len(a["mask"]) == 10 and sorted(a["mask"] + a["box"]) == ids
    assert a["mask"] != make_mask_subset(ids, 0.05, seed=1)["mask"]
    assert len(make_mask_subset(ids[:10], 0.01)["mask"]) == 1  # at least one


def test_semi_split_is_by_image():
    ref_to_image = {r: r // 3 for r in range(60)}  # 20 images, 3 refs each
    s = make_semi_split(ref_to_image, 0.1, seed=0)
    assert len(s["labeled_image_ids"]) == 2 and len(s["unlabeled_image_ids"]) == 18
    assert sorted(s["mask"]) == sorted(
        r for r, i in ref_to_image.items() if i in s["labeled_image_ids"]
    )
    assert sorted(s["mask"] + s["none"]) == list(range(60))
    assert s == make_semi_split(dict(reversed(list(ref_to_image.items()))), 0.1, seed=0)


@pytest.mark.parametrize("ratio", [0, 1.5, -0.1])
def test_bad_ratio(ratio):
    with pytest.raises(ValueError):
        make_mask_subset([1, 2], ratio)
    with pytest.raises(ValueError):
        make_semi_split({1: 1}, ratio)
