"""S+S+C on SynthRef val: Segment and Select quality per detector threshold and query mode.

Runs the Segment labeler (configs/ssc/segment_synthref.py) on the first N val refs (whole
images, in dataset order) and the Select labeler (configs/ssc/select_synthref.py, reverse blur)
on its candidates, and prints per threshold: Segment-best mIoU (best candidate vs GT), the
reverse-blur choice's mIoU, the expected mIoU of a random choice, the mean number of candidates
and the share of refs without any (percent). Used to choose the SynthRef thresholds and query
mode on val (never on test).

Usage:
    python benchmarks/ssc_val_sweep.py [--refs 90] [--image-query] [--thresholds 0.1 0.15 0.2]
        [--segment-config configs/ssc/segment_synthref.py]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from risseg.apis.instance_masks import image_texts
from risseg.registry import DATASETS, LABELERS
from risseg.utils.masks import segmentation_to_mask


def sweep(segment_cfg: str, refs: int, image_query: bool, thresholds: list[float]) -> dict:
    """{threshold: {best, blur, random, candidates, none}} over the first ``refs`` val refs."""
    init_default_scope("risseg")
    import risseg.datasets  # noqa: F401
    import risseg.foundation  # noqa: F401
    import risseg.labelers  # noqa: F401

    cfg = Config.fromfile(segment_cfg)
    ds = DATASETS.build(dict(cfg.pseudo_label_dataset, split="val"))
    segment = LABELERS.build(dict(cfg.pseudo_labeler, image_query=image_query))
    select = LABELERS.build(Config.fromfile("configs/ssc/select_synthref.py").pseudo_labeler)
    by_image = image_texts(ds)
    rows: dict[float, list] = {t: [] for t in thresholds}
    for i in range(min(refs, len(ds))):
        item, info = ds[i], ds.get_data_info(i)
        item["data_samples"].set_metainfo(dict(image_texts=by_image[info["image_id"]]))
        gt = segmentation_to_mask(info["segmentation"], info["height"], info["width"]) > 0
        image = item["inputs"].permute(1, 2, 0).numpy()
        for t in thresholds:
            segment.box_threshold = segment.text_threshold = t
            segment._cache = None
            sample = segment(item["inputs"][None], [item["data_samples"].clone()])[0]
            masks = sample.pseudo_instances.data.bool()
            ious = [float((m & gt).sum() / max((m | gt).sum(), 1)) for m in masks.numpy()]
            ious = np.array(ious or [0.0])
            k, _ = select.choose(image, masks, sample)
            rows[t].append((ious.max(), ious[k] if k is not None else 0.0, ious.mean(), len(masks)))
    out = {}
    for t, r in rows.items():
        r = np.array(r)
        out[t] = dict(
            best=100 * r[:, 0].mean(),
            blur=100 * r[:, 1].mean(),
            random=100 * r[:, 2].mean(),
            candidates=r[:, 3].mean(),
            none=100 * (r[:, 3] == 0).mean(),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refs", type=int, default=90)
    parser.add_argument("--image-query", action="store_true")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.1, 0.15, 0.2])
    parser.add_argument("--segment-config", default="configs/ssc/segment_synthref.py")
    args = parser.parse_args()
    res = sweep(args.segment_config, args.refs, args.image_query, args.thresholds)
    for t, r in res.items():
        print(json.dumps(dict(threshold=t, image_query=args.image_query, **r)))


if __name__ == "__main__":
    main()
